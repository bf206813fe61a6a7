#pragma once
/// @file
/// Shared libraries of pyresolve's own that programs load only when they need them (the
/// `jemalloc` heap strategy's private jemalloc, the `resolve` program's index I/O library):
/// each one mapped at start-up costs every run, and most runs never use them. They are found
/// relative to the program, so that an installed prefix can be moved.

#include <string>
#include <string_view>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::support {

/// Opens `soname`, a library pyresolve installs beside its own: the copy the process has
/// loaded already (the program linked it), else the first found of `<program>/../lib`
/// (the layout of the install and of the build tree; `<program>` is the directory of
/// /proc/self/exe) and `<program>` itself.
/// Returns the `dlopen` handle (`RTLD_NOW | RTLD_LOCAL`, never closed), or an error: which
/// directories lack the file, or why a copy found would not load.
[[nodiscard]] PYRESOLVE_API result<void*> open_own_library(const char* soname);

/// What `dlerror` says about a failed `dlopen(path)`, without the path glibc puts first
/// when it found the file. Call right after the failure.
[[nodiscard]] PYRESOLVE_API std::string dlopen_failure(std::string_view path);

}  // namespace pyresolve::support
