#pragma once
/// @file
/// The `-o` file: its existing pins become preferences, and the new content replaces it
/// atomically.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/cli/options.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// The pins of an existing output file (`name==version` lines of a requirements.txt, or
/// `[[packages]]` of a pylock.toml). An absent file gives none; so does an unreadable one
/// (a warning is the caller's choice), since the next write replaces it anyway.
[[nodiscard]] result<std::vector<resolver::preference>> read_pins(const std::filesystem::path& path,
                                                                  output_format format);

/// Writes `content` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`: readers see the old file or the new one, never a half-written one. Errors name the
/// path and the system's reason. A symlink keeps pointing at the (replaced) file; a path that
/// is neither a regular file nor a directory (`/dev/stdout`, a FIFO) is written in place.
[[nodiscard]] result<void> write_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace pyresolve::cli
