// Requirements files from a string: never crash. Includes resolve to a small in-memory tree
// (one fixed file, everything else missing) so the fuzzer never touches the disk.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pyresolve/packaging/requirements_file.hpp"

using namespace pyresolve::packaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  requirements_file_options options;
  options.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "A") return std::string("${A}");
    if (name == "B") return std::string("x -r y");
    return std::nullopt;
  };
  options.read_file = [](const std::filesystem::path& path) -> pyresolve::result<std::string> {
    if (path.filename() == "inc.txt") return std::string("six\n-r inc.txt\n");
    if (path.filename() == "ok.txt")
      return std::string("attrs>=1 \\\n --hash=sha256:" + std::string(64, 'a') + "\n");
    return pyresolve::fail(pyresolve::errc::io_error, "No such file or directory");
  };
  auto parsed = parse_requirements_text(text, "-", "/fuzz", options);
  if (!parsed) (void)parsed.error().to_string();
  return 0;
}
