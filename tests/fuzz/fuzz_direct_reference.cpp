// libFuzzer target: direct references (`name @ url` URLs, bare paths, `-e` targets) with their
// extras, markers and fragments. A parsed local path is absolute; a subdirectory never climbs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "pyresolve/packaging/direct_reference.hpp"

using namespace pyresolve::packaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool editable = (data[0] & 1U) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto parsed = parse_unnamed_requirement(text, "/base", editable);
  if (!parsed) return 0;
  const auto& ref = parsed->reference;
  if (!ref.path.empty() && !ref.path.is_absolute()) std::abort();
  for (const auto& part : std::filesystem::path(ref.subdirectory)) {
    if (part == "..") std::abort();
  }
  if (ref.kind == direct_kind::git && (ref.repository.empty() || ref.ref.starts_with('-'))) std::abort();
  (void)ref.written(std::string(40, 'a'));
  return 0;
}
