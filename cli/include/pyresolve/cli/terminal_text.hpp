#pragma once
/// @file
/// Text from inputs and from indexes ends up in messages; printed raw, an ESC could move the
/// cursor, rewrite earlier lines or retitle the terminal, and a NUL or CR could hide text.

#include <string>
#include <string_view>

namespace pyresolve::cli {

/// `text` with every control character spelled out: C0 bytes other than newline and tab, DEL
/// (`\x1b`, `\x00`, `\x7f`), and the C1 controls U+0080..U+009F encoded in UTF-8 (`\u009b`).
/// Newlines stay: the program lays out multi-line explanations with them.
[[nodiscard]] std::string escape_controls(std::string_view text);

}  // namespace pyresolve::cli
