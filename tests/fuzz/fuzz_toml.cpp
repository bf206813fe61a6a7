// libFuzzer target: the TOML reader (packaging/include/pyresolve/packaging/toml.hpp) on raw bytes. Whatever
// the input, it returns a document or an error with a position; a document is walked whole.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pyresolve/packaging/toml.hpp"

namespace {

using pyresolve::packaging::toml_value;

std::size_t walk(const toml_value& v) {
  std::size_t n = 1 + v.text().size();
  if (v.line() == 0 || v.column() == 0) __builtin_trap();
  for (const auto& item : v.items()) n += walk(item);
  for (const auto& [key, value] : v.entries()) {
    if (v.find(key) != &value) __builtin_trap();  // keys are unique and found
    n += walk(value);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = pyresolve::packaging::parse_toml(text);
  if (doc) {
    (void)walk(*doc);
  } else if (doc.error().line == 0 || doc.error().column == 0 || doc.error().message.empty()) {
    __builtin_trap();
  }
  return 0;
}
