// libFuzzer target: the pyproject.toml reader of `resolve` (the TOML reader and the [project] walk).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pyresolve/cli/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string> no_extras;
  static const std::vector<std::string> some_extras{"dev", "test"};
  (void)pyresolve::cli::read_pyproject(text, "pyproject.toml", no_extras, false);
  (void)pyresolve::cli::read_pyproject(text, "pyproject.toml", some_extras, false);
  (void)pyresolve::cli::read_pyproject(text, "pyproject.toml", no_extras, true);
  return 0;
}
