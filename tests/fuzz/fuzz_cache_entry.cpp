// Cache entries past their checksum: the harness seals the input as a payload (magic, format,
// kind, length, XXH3), so the fuzzer reaches the decoders themselves. Never crash; whatever
// decodes re-encodes to an entry that decodes to the same encoding; a page_view's in-place
// reads (upload times among them) agree with the files it materializes.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "pyresolve/cache/cache.hpp"

using namespace pyresolve;

namespace {

/// The header `encode_*` writes, around an arbitrary payload (format numbers as in this build).
std::string seal(std::string_view payload, std::uint32_t kind, std::uint32_t format) {
  std::string out("PYRSLVC", 8);
  std::uint64_t len = payload.size(), sum = XXH3_64bits(payload.data(), payload.size());
  out.append(reinterpret_cast<const char*>(&format), 4);
  out.append(reinterpret_cast<const char*>(&kind), 4);
  out.append(reinterpret_cast<const char*>(&len), 8);
  out.append(reinterpret_cast<const char*>(&sum), 8);
  out.append(payload);
  return out;
}

/// The format number of a kind, read from what this build writes.
std::uint32_t format_of(const std::string& sealed) {
  std::uint32_t f = 0;
  std::memcpy(&f, sealed.data() + 8, 4);
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::uint32_t simple_format = format_of(cache::encode_simple({}));
  static const std::uint32_t metadata_format = format_of(cache::encode_metadata({}));
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      const std::string entry = seal(payload, 1, simple_format);
      // The warm path's reads: the tables, every upload time in place, every file.
      if (auto view = cache::page_view::load(entry, "e.bin")) {
        std::int64_t sum = 0;
        for (std::size_t v = 0; v < view->size(); ++v)
          for (std::size_t i = 0; i < view->files(v).size(); ++i) {
            sum ^= view->upload_time(v, i);
            if (auto f = view->file(view->files(v)[i]); f && f->file.upload_time != view->upload_time(v, i))
              std::abort();
          }
        (void)sum;
      }
      auto e = cache::decode_simple(entry, "e.bin");
      if (!e) break;
      const auto once = cache::encode_simple(*e);
      auto again = cache::decode_simple(once, "e.bin");
      if (!again || cache::encode_simple(*again) != once) std::abort();
      break;
    }
    case 1: {
      const std::string entry = seal(payload, 2, metadata_format);
      auto m = cache::decode_metadata(entry, "m.bin");
      // The resolver's read skips the records flagged as needing an extra, and checks the rest.
      auto base = cache::decode_metadata(entry, "m.bin", nullptr, support::default_resource(), nullptr,
                                         cache::metadata_scope::without_extra_only);
      if (m && (!base || base->requires_dist.size() > m->requires_dist.size())) std::abort();
      if (!m) break;
      const auto once = cache::encode_metadata(*m);
      auto again = cache::decode_metadata(once, "m.bin");
      if (!again || cache::encode_metadata(*again) != once) std::abort();
      break;
    }
    default:
      (void)cache::decode_metadata(seal(payload, 3, metadata_format), "n.bin");
  }
  return 0;
}
