#pragma once
// The context-sensitive tokenizer of `packaging._tokenizer` (23.0): each rule is tried only
// where the grammar asks for it, at the current position, with the same extents as its regex.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pyresolve::packaging::detail {

enum class tok : std::uint8_t {
  left_parenthesis,
  right_parenthesis,
  left_bracket,
  right_bracket,
  semicolon,
  comma,
  quoted_string,
  op,
  boolop,
  in,
  not_,
  variable,
  specifier,
  at,
  url,
  identifier,
  ws,
  end,
};

/// The rule name as `packaging` spells it (used in "Expected closing RIGHT_PARENTHESIS").
[[nodiscard]] const char* rule_name(tok kind) noexcept;

struct token {
  tok kind;
  std::string_view text;
  std::size_t position;
};

/// How many parentheses a marker may nest. `packaging` stops at Python's recursion limit
/// (about 1,000 frames); real markers nest two or three deep. The parser recurses once per
/// level, and so does everything that walks the tree (evaluation, printing, destruction), on
/// worker threads too: the limit keeps all of them far from the end of any stack.
inline constexpr std::size_t max_marker_nesting = 64;

/// A `ParserSyntaxError`: message and the span it points at.
struct syntax_error {
  std::string message;
  std::size_t span_start = 0;
  std::size_t span_end = 0;
};

/// Formats `str(ParserSyntaxError)`: the message, the source and a `~~~^` pointer line.
[[nodiscard]] std::string format_syntax_error(const syntax_error& e, std::string_view source);

/// Length of the match of `kind` at `pos`, or npos. Exposed for tests.
[[nodiscard]] std::size_t match_rule(tok kind, std::string_view source, std::size_t pos) noexcept;

class tokenizer {
 public:
  explicit tokenizer(std::string_view source) noexcept : m_source(source) {}

  /// Whether the next token is `kind`; unless `peek`, it must then be `read()`.
  [[nodiscard]] bool check(tok kind, bool peek = false) noexcept;
  /// Consumes the token found by the last successful `check`.
  token read() noexcept;
  void consume(tok kind) noexcept {
    if (check(kind)) read();
  }
  /// Reads a `kind` token or records "Expected <expected>" and returns nothing.
  std::optional<token> expect(tok kind, std::string_view expected);

  /// Records a syntax error spanning [span_start, span_end] (defaults: the current position).
  void raise_syntax_error(std::string message, std::optional<std::size_t> span_start = std::nullopt,
                          std::optional<std::size_t> span_end = std::nullopt);

  /// Enters one more level of parentheses; false (and nothing changed) past max_marker_nesting.
  [[nodiscard]] bool enter_group() noexcept {
    if (m_depth >= max_marker_nesting) return false;
    ++m_depth;
    return true;
  }
  void leave_group() noexcept { --m_depth; }

  [[nodiscard]] std::size_t position() const noexcept { return m_position; }
  [[nodiscard]] std::string_view source() const noexcept { return m_source; }
  [[nodiscard]] bool failed() const noexcept { return m_error.has_value(); }
  [[nodiscard]] const std::optional<syntax_error>& error() const noexcept { return m_error; }

 private:
  std::string_view m_source;
  std::size_t m_position = 0;
  std::optional<token> m_next;
  std::optional<syntax_error> m_error;
  std::size_t m_depth = 0;
};

}  // namespace pyresolve::packaging::detail
