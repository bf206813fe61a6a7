// libFuzzer target: requirement parsing and printing, and evaluation of its marker.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pyresolve/packaging/requirement.hpp"

using namespace pyresolve::packaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = requirement::parse(text);
  if (!parsed) return 0;
  (void)parsed->normalized_name();
  if (parsed->marker) {
    marker_environment env;
    env.set(marker_var::python_version, "3.11");
    env.set(marker_var::python_full_version, "3.11.2");
    env.set(marker_var::os_name, "posix");
    (void)parsed->marker->evaluate(env, "extra");
  }
  const std::string printed = parsed->to_string();
  // Unescaped quotes or backslashes in marker values (see fuzz_marker.cpp) may not read back.
  if (text.find_first_of("'\\") != std::string_view::npos) return 0;
  auto again = requirement::parse(printed);
  if (!again) std::abort();
  auto third = requirement::parse(again->to_string());
  if (!third) std::abort();
  if (third->to_string() != again->to_string()) std::abort();
  return 0;
}
