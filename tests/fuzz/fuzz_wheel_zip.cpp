// METADATA out of a wheel (zip, ZIP64): never crash or read out of bounds, whether the archive
// is all in memory or read as a tail plus range reads; errors name the URL, never its password.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detail/zip.hpp"

using namespace pyresolve;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose how much of the end the first "range request" returned.
  const std::size_t tail_size = (static_cast<std::size_t>(data[0]) << 8 | data[1]) % (size - 1) + 1;
  const std::string_view zip(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::string_view tail = zip.substr(zip.size() - std::min(tail_size, zip.size()));
  index::detail::range_reader ranges = [&](std::uint64_t offset,
                                           std::uint64_t length) -> result<std::string> {
    if (offset > zip.size() || length > zip.size() - offset) std::abort();  // the reader checks bounds first
    return std::string(zip.substr(offset, length));
  };
  const std::string url = "https://user:s3cret@example.org/w-1.0-py3-none-any.whl";
  for (auto r : {index::detail::wheel_metadata(zip, zip.size(), ranges, url),
                 index::detail::wheel_metadata(tail, zip.size(), ranges, url)}) {
    if (!r && r.error().to_string().find("s3cret") != std::string::npos) std::abort();
  }
  return 0;
}
