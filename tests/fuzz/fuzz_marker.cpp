// libFuzzer target: marker parsing, printing and evaluation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pyresolve/packaging/marker.hpp"

using namespace pyresolve::packaging;

namespace {

marker_environment sample_environment() {
  marker_environment env;
  env.set(marker_var::implementation_name, "cpython");
  env.set(marker_var::implementation_version, "3.11.2");
  env.set(marker_var::os_name, "posix");
  env.set(marker_var::platform_machine, "x86_64");
  env.set(marker_var::platform_python_implementation, "CPython");
  env.set(marker_var::platform_release, "6.1.0-13-amd64");
  env.set(marker_var::platform_system, "Linux");
  env.set(marker_var::platform_version, "#1 SMP");
  env.set(marker_var::python_full_version, "3.11.2");
  env.set(marker_var::python_version, "3.11");
  env.set(marker_var::sys_platform, "linux");
  return env;
}

// Printing does not escape string values (nor does packaging), so a value holding a quote or
// a backslash prints as text that may not read back. Without `'` and `\` in the input no value
// can hold either.
bool must_round_trip(std::string_view input) { return input.find_first_of("'\\") == std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = marker::parse(text);
  if (!parsed) return 0;
  static const marker_environment env = sample_environment();
  for (std::string_view extra : {"", "test", "Foo_Bar", "1.0"}) (void)parsed->evaluate(env, extra);
  (void)parsed->references_extra();
  (void)parsed->extras();

  const std::string printed = parsed->to_string();
  if (!must_round_trip(text)) return 0;
  auto again = marker::parse(printed);
  if (!again) std::abort();
  // One more round reaches the fixed point (a leading `extra` comparison that lost its
  // parentheses is normalized when read again).
  auto third = marker::parse(again->to_string());
  if (!third) std::abort();
  if (third->to_string() != again->to_string()) std::abort();
  return 0;
}
