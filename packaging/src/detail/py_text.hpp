#pragma once
// Python text semantics that PEP 508 parsing depends on: `re`'s notion of word characters and
// whitespace, `str.lower()`, `canonicalize_name` and string-literal unescaping. Text is UTF-8;
// bytes that are not valid UTF-8 are treated as opaque non-word, non-space characters because
// Python would never see them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pyresolve/support/utf8.hpp"

namespace pyresolve::packaging::detail {

/// One decoded character: `cp` is the code point (or the byte for invalid UTF-8) and `size`
/// the number of bytes it occupies; `size == 0` at the end of the text.
struct decoded_char {
  std::uint32_t cp = 0;
  std::size_t size = 0;
  bool valid = false;
};

[[nodiscard]] decoded_char decode_at(std::string_view text, std::size_t pos) noexcept;
/// The character that ends just before `pos`.
[[nodiscard]] decoded_char decode_before(std::string_view text, std::size_t pos) noexcept;

/// `re`'s `\w` for str patterns.
[[nodiscard]] bool is_word_char(const decoded_char& c) noexcept;
/// `re`'s `\s` for str patterns (== `str.isspace()`).
[[nodiscard]] bool is_space_char(const decoded_char& c) noexcept;

/// Whether `re`'s `\b` holds at `pos`.
[[nodiscard]] bool is_word_boundary(std::string_view text, std::size_t pos) noexcept;

/// `str.lower()`.
[[nodiscard]] std::string python_lower(std::string_view text);

/// `packaging.utils.canonicalize_name`: runs of `-_.` become `-`, then `str.lower()`.
[[nodiscard]] std::string canonicalize_name(std::string_view text);

/// `append_utf8` (support/utf8.hpp) encodes code points, surrogates as Python keeps them.
using pyresolve::append_utf8;

/// Outcome of evaluating a quoted string literal the way `ast.literal_eval` does.
struct literal_outcome {
  bool ok = false;
  std::string value;             ///< the string's value when `ok`
  std::string reason;            ///< why not, when `!ok`
  std::size_t error_offset = 0;  ///< offset in the literal (including quotes) of the problem
};

/// Evaluates `literal`, which includes its surrounding quotes, as a Python str literal.
[[nodiscard]] literal_outcome eval_python_string(std::string_view literal);

}  // namespace pyresolve::packaging::detail
