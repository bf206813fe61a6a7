#pragma once
/// @file
/// How much of an input a message quotes. A requirement, a marker or a metadata field can be
/// megabytes long; an error quotes a bounded part of it, never the whole.

#include <cstddef>
#include <string>
#include <string_view>
#include "pyresolve/support/export.hpp"

namespace pyresolve::packaging {

/// The most bytes of one input that a message quotes.
inline constexpr std::size_t max_quoted_bytes = 200;

/// `text` when it is at most `limit` bytes, else its first `limit` bytes (cut on a UTF-8
/// character boundary) followed by `...`.
[[nodiscard]] PYRESOLVE_API std::string excerpt(std::string_view text, std::size_t limit = max_quoted_bytes);

/// A window of at most `limit` bytes of `text` around byte `at`, with `...` on each side
/// where text was left out; `at_in_window` receives where `at` lands in the returned string.
[[nodiscard]] PYRESOLVE_API std::string excerpt_around(std::string_view text, std::size_t at,
                                                       std::size_t& at_in_window,
                                                       std::size_t limit = max_quoted_bytes);

/// `text` with its control bytes (C0 and DEL) written as `\xNN`, so that a message quoting
/// an index's or a file's bytes cannot drive the terminal that shows it.
[[nodiscard]] PYRESOLVE_API std::string printable(std::string_view text);

}  // namespace pyresolve::packaging
