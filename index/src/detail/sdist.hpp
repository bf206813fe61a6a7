#pragma once
// PKG-INFO out of source distributions (libarchive reads the tar or zip).

#include <string>
#include <string_view>

#include "pyresolve/support/result.hpp"

namespace pyresolve::index::detail {

/// The text of `<name>-<version>/PKG-INFO` in the sdist `archive` (the bytes of `filename`,
/// `.tar.gz`, `.tar.bz2`, `.tar.xz`, `.tgz` or `.zip`), accepted only when its
/// `Requires-Dist` is final: Metadata-Version 2.2 or newer and `Requires-Dist` not in
/// `Dynamic` (PEP 643). Otherwise, and for corrupt archives, an error naming `url`
/// (redacted) and the file, saying why a build would be needed.
[[nodiscard]] result<std::string> sdist_pkg_info(std::string_view archive, std::string_view filename,
                                                 std::string_view url);

}  // namespace pyresolve::index::detail
