// Core metadata: never crash, and errors always carry the source.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pyresolve/packaging/metadata.hpp"

using namespace pyresolve::packaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = core_metadata::parse(text, "METADATA");
  if (parsed) {
    (void)parsed->requires_dist_is_dynamic();
    (void)parsed->normalized_name();
  } else if (parsed.error().source != "METADATA") {
    std::abort();
  }
  return 0;
}
