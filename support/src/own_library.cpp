#include "pyresolve/support/own_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

namespace pyresolve::support {

std::string dlopen_failure(std::string_view path) {
  const char* error = ::dlerror();
  std::string_view why = error != nullptr ? error : "unknown error";
  if (why.size() > path.size() + 2 && why.substr(0, path.size()) == path &&
      why.substr(path.size(), 2) == ": ") {
    why.remove_prefix(path.size() + 2);
  }
  return std::string(why);
}

namespace {
/// The directory of the running program (/proc/self/exe); empty when unknown.
std::string program_directory() {
  char buffer[4096];
  const ::ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer);
  if (n <= 0 || static_cast<std::size_t>(n) == sizeof buffer) return {};
  const std::string_view path(buffer, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}
}  // namespace

result<void*> open_own_library(const char* soname) {
  if (void* loaded = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) return loaded;
  const std::string here = program_directory();
  if (here.empty()) return fail(errc::not_found, std::string(soname) + ": cannot tell where the program is");
  std::string missing;  // the directories without the file
  for (const std::string& dir : {here + "/" PYRESOLVE_BIN_TO_LIBDIR, here}) {
    const std::string path = dir + "/" + soname;
    if (::access(path.c_str(), F_OK) != 0) {
      missing += (missing.empty() ? "" : ", ") + dir;
      continue;
    }
    if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    return fail(errc::not_found, "cannot load " + path + ": " + dlopen_failure(path));
  }
  return fail(errc::not_found, std::string(soname) + " is in none of " + missing);
}

}  // namespace pyresolve::support
