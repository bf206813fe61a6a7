#include "detail/pep508_tokenizer.hpp"

#include <array>

#include "detail/py_text.hpp"
#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_ascii_alnum(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_separator(char c) noexcept { return c == '-' || c == '_' || c == '.'; }

// Cursor over the source implementing the pieces of `Specifier`'s regex (IGNORECASE).
struct spec_cursor {
  std::string_view s;
  std::size_t p;

  [[nodiscard]] char at(std::size_t i) const noexcept { return i < s.size() ? s[i] : '\0'; }

  bool literal_ci(std::string_view word) noexcept {
    if (p + word.size() > s.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (ascii_lower(s[p + i]) != word[i]) return false;
    }
    p += word.size();
    return true;
  }
  void optional_separator() noexcept {
    if (is_separator(at(p))) ++p;
  }
  void digits() noexcept {
    while (is_digit(at(p))) ++p;
  }
  void spaces() noexcept {
    for (;;) {
      const decoded_char c = decode_at(s, p);
      if (!is_space_char(c)) return;
      p += c.size;
    }
  }
  // `v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)*` (or `+` when `at_least_two`).
  bool release(bool at_least_two) noexcept {
    if (ascii_lower(at(p)) == 'v') ++p;
    std::size_t q = p;
    while (is_digit(at(q))) ++q;
    if (q > p && at(q) == '!') {
      // The regex backtracks to "no epoch" when no release follows the `!`.
      const std::size_t saved = p;
      p = q + 1;
      if (release_digits(at_least_two)) return true;
      p = saved;
    }
    return release_digits(at_least_two);
  }
  bool release_digits(bool at_least_two) noexcept {
    if (!is_digit(at(p))) return false;
    digits();
    std::size_t parts = 1;
    while (at(p) == '.' && is_digit(at(p + 1))) {
      ++p;
      digits();
      ++parts;
    }
    return !at_least_two || parts >= 2;
  }
  // `(?:[-_\.]?(alpha|beta|preview|pre|a|b|c|rc)[-_\.]?[0-9]*)?`
  void pre() noexcept {
    const std::size_t start = p;
    optional_separator();
    static constexpr std::array<std::string_view, 8> words{"alpha", "beta", "preview", "pre",
                                                           "a",     "b",    "c",       "rc"};
    if (!word_then_number(words)) p = start;
  }
  // `(w1|w2|...)[-_\.]?[0-9]*` for the spellings of a pre- or post-release segment.
  template <std::size_t n>
  bool word_then_number(const std::array<std::string_view, n>& words) noexcept {
    for (std::string_view w : words) {
      if (literal_ci(w)) {
        optional_separator();
        digits();
        return true;
      }
    }
    return false;
  }
  // `(?:(?:-[0-9]+)|(?:[-_\.]?(post|rev|r)[-_\.]?[0-9]*))?`
  void post() noexcept {
    const std::size_t start = p;
    if (at(p) == '-' && is_digit(at(p + 1))) {
      ++p;
      digits();
      return;
    }
    optional_separator();
    static constexpr std::array<std::string_view, 3> words{"post", "rev", "r"};
    if (!word_then_number(words)) p = start;
  }
  // `(?:[-_\.]?dev[-_\.]?[0-9]*)?`
  void dev() noexcept {
    const std::size_t start = p;
    optional_separator();
    if (literal_ci("dev")) {
      optional_separator();
      digits();
      return;
    }
    p = start;
  }
  // `(?:\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*)?`
  void local() noexcept {
    if (at(p) != '+' || !is_ascii_alnum(at(p + 1))) return;
    ++p;
    while (is_ascii_alnum(at(p))) ++p;
    while (is_separator(at(p)) && is_ascii_alnum(at(p + 1))) {
      ++p;
      while (is_ascii_alnum(at(p))) ++p;
    }
  }
};

bool looks_behind(std::string_view s, std::size_t q, std::string_view what) noexcept {
  return q >= what.size() && s.substr(q - what.size(), what.size()) == what;
}

// The version part of `Specifier`'s regex after an operator ending at `q`; npos if none.
std::size_t match_spec_version(std::string_view s, std::size_t q) noexcept {
  if (looks_behind(s, q, "===")) {
    spec_cursor c{s, q};
    c.spaces();
    for (;;) {
      const decoded_char ch = decode_at(s, c.p);
      if (ch.size == 0 || is_space_char(ch) || (ch.valid && (ch.cp == ';' || ch.cp == ')'))) break;
      c.p += ch.size;
    }
    return c.p;
  }
  const bool eq = looks_behind(s, q, "==") || looks_behind(s, q, "!=");
  if (eq) {
    spec_cursor c{s, q};
    c.spaces();
    if (c.release(false)) {
      if (c.at(c.p) == '.' && c.at(c.p + 1) == '*') return c.p + 2;
      c.pre();
      c.post();
      c.dev();
      c.local();
      return c.p;
    }
  }
  if (looks_behind(s, q, "~=")) {
    spec_cursor c{s, q};
    c.spaces();
    if (c.release(true)) {
      c.pre();
      c.post();
      c.dev();
      return c.p;
    }
  }
  if (!eq && !looks_behind(s, q, "~=")) {
    spec_cursor c{s, q};
    c.spaces();
    if (c.release(false)) {
      c.pre();
      c.post();
      c.dev();
      return c.p;
    }
  }
  return npos;
}

std::size_t match_specifier(std::string_view s, std::size_t pos) noexcept {
  // Alternation order of `_operator_regex_str`; "===" comes last, so "==" is tried first and
  // the regex only backtracks to "===" when the "==" branches fail.
  static constexpr std::array<std::string_view, 8> ops{"~=", "==", "!=", "<=", ">=", "<", ">", "==="};
  const std::string_view rest = s.substr(pos);
  for (std::string_view op : ops) {
    if (!rest.starts_with(op)) continue;
    const std::size_t end = match_spec_version(s, pos + op.size());
    if (end != npos) return end - pos;
  }
  return npos;
}

std::size_t match_keyword(std::string_view s, std::size_t pos, std::string_view word) noexcept {
  if (!is_word_boundary(s, pos)) return npos;
  if (!s.substr(pos).starts_with(word)) return npos;
  if (!is_word_boundary(s, pos + word.size())) return npos;
  return word.size();
}

std::size_t match_variable(std::string_view s, std::size_t pos) noexcept {
  // Every spelling the VARIABLE regex accepts; none is a prefix of another, so at most one
  // can match before the trailing `\b`.
  static constexpr std::array<std::string_view, 18> names{"python_version",
                                                          "python_full_version",
                                                          "os_name",
                                                          "os.name",
                                                          "sys_platform",
                                                          "sys.platform",
                                                          "platform_release",
                                                          "platform_system",
                                                          "platform_version",
                                                          "platform.version",
                                                          "platform_machine",
                                                          "platform.machine",
                                                          "platform_python_implementation",
                                                          "platform.python_implementation",
                                                          "python_implementation",
                                                          "implementation_name",
                                                          "implementation_version",
                                                          "extra"};
  if (!is_word_boundary(s, pos)) return npos;
  for (std::string_view name : names) {
    if (s.substr(pos).starts_with(name) && is_word_boundary(s, pos + name.size())) return name.size();
  }
  return npos;
}

std::size_t match_identifier(std::string_view s, std::size_t pos) noexcept {
  if (pos >= s.size() || !is_ascii_alnum(s[pos]) || !is_word_boundary(s, pos)) return npos;
  std::size_t end = pos + 1;
  while (end < s.size() && (is_ascii_alnum(s[end]) || is_separator(s[end]))) ++end;
  // The trailing `\b` makes the greedy class give back characters until a boundary.
  for (std::size_t k = end; k > pos; --k) {
    if (is_word_boundary(s, k)) return k - pos;
  }
  return npos;
}

std::size_t match_run(std::string_view s, std::size_t pos, bool (*in_class)(char)) noexcept {
  std::size_t end = pos;
  while (end < s.size() && in_class(s[end])) ++end;
  return end > pos ? end - pos : npos;
}

}  // namespace

const char* rule_name(tok kind) noexcept {
  switch (kind) {
    case tok::left_parenthesis:
      return "LEFT_PARENTHESIS";
    case tok::right_parenthesis:
      return "RIGHT_PARENTHESIS";
    case tok::left_bracket:
      return "LEFT_BRACKET";
    case tok::right_bracket:
      return "RIGHT_BRACKET";
    case tok::semicolon:
      return "SEMICOLON";
    case tok::comma:
      return "COMMA";
    case tok::quoted_string:
      return "QUOTED_STRING";
    case tok::op:
      return "OP";
    case tok::boolop:
      return "BOOLOP";
    case tok::in:
      return "IN";
    case tok::not_:
      return "NOT";
    case tok::variable:
      return "VARIABLE";
    case tok::specifier:
      return "SPECIFIER";
    case tok::at:
      return "AT";
    case tok::url:
      return "URL";
    case tok::identifier:
      return "IDENTIFIER";
    case tok::ws:
      return "WS";
    case tok::end:
      return "END";
  }
  return "?";
}

std::size_t match_rule(tok kind, std::string_view s, std::size_t pos) noexcept {
  const auto single = [&](char c) -> std::size_t { return (pos < s.size() && s[pos] == c) ? 1 : npos; };
  switch (kind) {
    case tok::left_parenthesis:
      return single('(');
    case tok::right_parenthesis:
      return single(')');
    case tok::left_bracket:
      return single('[');
    case tok::right_bracket:
      return single(']');
    case tok::semicolon:
      return single(';');
    case tok::comma:
      return single(',');
    case tok::at:
      return single('@');
    case tok::quoted_string: {
      if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) return npos;
      const std::size_t close = s.find(s[pos], pos + 1);
      return close == npos ? npos : close + 1 - pos;
    }
    case tok::op: {
      static constexpr std::array<std::string_view, 8> ops{"===", "==", "~=", "!=", "<=", ">=", "<", ">"};
      for (std::string_view op : ops) {
        if (s.substr(pos).starts_with(op)) return op.size();
      }
      return npos;
    }
    case tok::boolop: {
      const std::size_t n = match_keyword(s, pos, "or");
      return n != npos ? n : match_keyword(s, pos, "and");
    }
    case tok::in:
      return match_keyword(s, pos, "in");
    case tok::not_:
      return match_keyword(s, pos, "not");
    case tok::variable:
      return match_variable(s, pos);
    case tok::specifier:
      return match_specifier(s, pos);
    case tok::url:
      return match_run(s, pos, [](char c) { return c != ' ' && c != '\t'; });
    case tok::identifier:
      return match_identifier(s, pos);
    case tok::ws:
      return match_run(s, pos, [](char c) { return c == ' ' || c == '\t'; });
    case tok::end:
      // `$` also matches just before a final newline.
      return (pos == s.size() || (pos + 1 == s.size() && s[pos] == '\n')) ? 0 : npos;
  }
  return npos;
}

bool tokenizer::check(tok kind, bool peek) noexcept {
  const std::size_t length = match_rule(kind, m_source, m_position);
  if (length == npos) return false;
  if (!peek) m_next = token{kind, m_source.substr(m_position, length), m_position};
  return true;
}

token tokenizer::read() noexcept {
  const token t = *m_next;
  m_position += t.text.size();
  m_next.reset();
  return t;
}

std::optional<token> tokenizer::expect(tok kind, std::string_view expected) {
  if (!check(kind)) {
    raise_syntax_error("Expected " + std::string(expected));
    return std::nullopt;
  }
  return read();
}

void tokenizer::raise_syntax_error(std::string message, std::optional<std::size_t> span_start,
                                   std::optional<std::size_t> span_end) {
  // The first error wins, as an exception would have stopped the parse there.
  if (m_error) return;
  m_error = syntax_error{std::move(message), span_start.value_or(m_position), span_end.value_or(m_position)};
}

std::string format_syntax_error(const syntax_error& e, std::string_view source) {
  // A long source is shown as a window around the error, so that the message (and its
  // pointer line) stays short whatever the input.
  std::size_t start = e.span_start;
  const std::string shown = excerpt_around(source, e.span_start, start);
  std::size_t end = start + (e.span_end > e.span_start ? e.span_end - e.span_start : 0);
  if (shown.size() != source.size() && end > shown.size()) end = shown.size();
  std::string out = e.message;
  out += "\n    ";
  out += shown;
  out += "\n    ";
  out.append(start, ' ');
  if (end > start) out.append(end - start, '~');
  out += '^';
  return out;
}

}  // namespace pyresolve::packaging::detail
