#include "pyresolve/packaging/toml.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <optional>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/support/utf8.hpp"

namespace pyresolve::packaging {
namespace detail {

/// A table's or an array's children; tables with more than a few keys also get an index.
struct toml_container {
  std::vector<toml_value> items;
  std::vector<toml_value::entry> entries;
  std::map<std::string, std::size_t, std::less<>> index;
};

}  // namespace detail

namespace {

constexpr std::size_t small_table = 8;

// How a table or array was made, which decides what may still add to it (TOML 1.0's
// redefinition rules).
enum state : std::uint8_t {
  st_implicit,       // a table named only as a prefix of a [header]
  st_header,         // a table defined by [header], or an element of [[header]]
  st_dotted,         // a table made (or first extended) by dotted keys, in m_section
  st_inline,         // an inline table, or one inside an inline value: immutable
  st_inline_dotted,  // a table made by dotted keys inside the inline table being read
  st_static_array,   // an array value: immutable
  st_table_array,    // an array of tables ([[header]])
};

bool is_digit(int c) { return c >= '0' && c <= '9'; }
bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_bare_key(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_';
}
bool is_control(int c) { return (c >= 0 && c < 0x20) || c == 0x7f; }

/// The offset of the first byte of `text` that is not well-formed UTF-8 (overlong forms,
/// surrogates and code points above U+10FFFF included), else npos.
std::size_t invalid_utf8_at(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  const auto byte = [&](std::size_t at) { return at < n ? static_cast<unsigned char>(text[at]) : 0U; };
  const auto cont = [&](std::size_t at, unsigned lo = 0x80, unsigned hi = 0xbf) {
    const unsigned b = byte(at);
    return at < n && b >= lo && b <= hi;
  };
  while (i < n) {
    const unsigned b = byte(i);
    if (b < 0x80) {
      ++i;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const unsigned lo = b == 0xe0 ? 0xa0 : 0x80;
      const unsigned hi = b == 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const unsigned lo = b == 0xf0 ? 0x90 : 0x80;
      const unsigned hi = b == 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string hex4(std::uint32_t cp) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (int shift = cp > 0xffff ? 20 : 12; shift >= 0; shift -= 4) out += digits[(cp >> shift) & 0xf];
  return "U+" + out;
}

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap_year(year) ? 29 : days[month - 1];
}

}  // namespace

// A document of small values costs this much per value (plus its array's spare capacity).
static_assert(sizeof(toml_value) <= 64);

toml_value::toml_value() = default;
toml_value::toml_value(toml_kind kind, std::uint32_t line, std::uint32_t column)
    : m_kind(kind), m_line(line), m_column(column) {}
toml_value::toml_value(toml_value&&) noexcept = default;
toml_value& toml_value::operator=(toml_value&&) noexcept = default;
toml_value::~toml_value() = default;

std::span<const toml_value> toml_value::items() const noexcept {
  if (m_kind != toml_kind::array || !m_container) return {};
  return m_container->items;
}

std::span<const toml_value::entry> toml_value::entries() const noexcept {
  if (m_kind != toml_kind::table || !m_container) return {};
  return m_container->entries;
}

const toml_value* toml_value::find(std::string_view key) const {
  if (m_kind != toml_kind::table || !m_container) return nullptr;
  const detail::toml_container& c = *m_container;
  if (c.entries.size() <= small_table) {
    for (const auto& [name, value] : c.entries) {
      if (name == key) return &value;
    }
    return nullptr;
  }
  const auto it = c.index.find(key);
  return it == c.index.end() ? nullptr : &c.entries[it->second].second;
}

const char* toml_kind_name(toml_kind kind) noexcept {
  switch (kind) {
    case toml_kind::table:
      return "a table";
    case toml_kind::array:
      return "an array";
    case toml_kind::string:
      return "a string";
    case toml_kind::integer:
      return "an integer";
    case toml_kind::floating:
      return "a float";
    case toml_kind::boolean:
      return "a boolean";
    case toml_kind::offset_date_time:
      return "an offset date-time";
    case toml_kind::local_date_time:
      return "a local date-time";
    case toml_kind::local_date:
      return "a local date";
    case toml_kind::local_time:
      return "a local time";
  }
  return "a value";
}

namespace detail {

class toml_parser {
 public:
  explicit toml_parser(std::string_view text) {
    // CRLF is a newline like LF (and reads as LF inside multi-line strings); a lone CR stays
    // and is refused where it is met. Lines and columns are unchanged by the rewrite.
    m_src.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
      m_src += text[i];
    }
    m_line_starts.push_back(0);
    for (std::size_t i = 0; i < m_src.size(); ++i) {
      if (m_src[i] == '\n') m_line_starts.push_back(i + 1);
    }
  }

  result<toml_value> run() {
    if (const std::size_t bad = invalid_utf8_at(m_src); bad != std::string_view::npos) {
      fail(bad, "invalid UTF-8");
    } else {
      toml_value root(toml_kind::table, 1, 1);
      root.m_state = st_header;
      if (parse_document(root)) return root;
    }
    return unexpected(error{errc::invalid_argument, std::move(m_message), {}, m_line, m_column});
  }

 private:
  struct key_part {
    std::string name;
    std::size_t at = 0;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
  };

  std::string m_src;
  std::size_t m_pos = 0;
  std::vector<std::size_t> m_line_starts;
  std::size_t m_values = 0;     // parsed so far, against toml_max_values
  std::uint32_t m_section = 0;  // counts table headers: dotted keys of an earlier one are closed
  // Column cache: positions are mostly asked in increasing order along a line.
  std::size_t m_cache_offset = 0;
  std::size_t m_cache_line = 0;
  std::uint32_t m_cache_column = 1;
  // The error.
  std::string m_message;
  std::uint32_t m_line = 0;
  std::uint32_t m_column = 0;

  // --- positions and errors -------------------------------------------------------------

  /// Line (1-based) and column (1-based, in characters) of byte `offset`.
  std::pair<std::uint32_t, std::uint32_t> position(std::size_t offset) {
    const std::size_t line =
        static_cast<std::size_t>(std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset) -
                                 m_line_starts.begin()) -
        1;
    std::size_t from = m_line_starts[line];
    std::uint32_t column = 1;
    if (m_cache_line == line && m_cache_offset <= offset && m_cache_offset >= from) {
      from = m_cache_offset;
      column = m_cache_column;
    }
    for (std::size_t i = from; i < offset && i < m_src.size(); ++i) {
      if ((static_cast<unsigned char>(m_src[i]) & 0xc0) != 0x80) ++column;
    }
    m_cache_line = line;
    m_cache_offset = offset;
    m_cache_column = column;
    return {static_cast<std::uint32_t>(line + 1), column};
  }

  bool fail(std::size_t at, std::string message) {
    if (m_message.empty()) {
      m_message = std::move(message);
      std::tie(m_line, m_column) = position(at);
    }
    return false;
  }

  /// The code point at `at` (the text is valid UTF-8).
  std::uint32_t code_point(std::size_t at) const {
    const auto b = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(m_src[i]));
    };
    const std::uint32_t lead = b(at);
    if (lead < 0x80) return lead;
    if (lead < 0xe0) return ((lead & 0x1f) << 6) | (b(at + 1) & 0x3f);
    if (lead < 0xf0) return ((lead & 0x0f) << 12) | ((b(at + 1) & 0x3f) << 6) | (b(at + 2) & 0x3f);
    return ((lead & 0x07) << 18) | ((b(at + 1) & 0x3f) << 12) | ((b(at + 2) & 0x3f) << 6) |
           (b(at + 3) & 0x3f);
  }

  bool unexpected_at(std::size_t at, std::string_view expected) {
    std::string what;
    if (at >= m_src.size()) {
      what = "unexpected end of file";
    } else if (const std::uint32_t cp = code_point(at); cp >= 0x80) {
      what = "unexpected non-ASCII character " + hex4(cp) + " outside a string";
    } else if (cp == '\n') {
      what = "unexpected end of line";
    } else if (is_control(static_cast<int>(cp))) {
      what = "unexpected control character " + hex4(cp);
    } else {
      what = std::string("unexpected character '") + static_cast<char>(cp) + "'";
    }
    return fail(at, what + ", expected " + std::string(expected));
  }

  bool too_deep(std::size_t at) {
    return fail(at,
                "tables, arrays and keys nested deeper than " + std::to_string(toml_max_depth) + " levels");
  }

  // --- characters -------------------------------------------------------------------------

  [[nodiscard]] int peek(std::size_t ahead = 0) const {
    return m_pos + ahead < m_src.size() ? static_cast<unsigned char>(m_src[m_pos + ahead]) : -1;
  }
  [[nodiscard]] bool at_end() const { return m_pos >= m_src.size(); }
  [[nodiscard]] bool starts_with(std::string_view s) const {
    return m_pos <= m_src.size() && std::string_view(m_src).substr(m_pos, s.size()) == s;
  }

  void skip_ws() {
    while (peek() == ' ' || peek() == '\t') ++m_pos;
  }

  /// At '#': the comment, up to (not including) the newline.
  bool skip_comment() {
    ++m_pos;
    while (!at_end() && peek() != '\n') {
      const int c = peek();
      if (c != '\t' && is_control(c))
        return fail(m_pos, "control character " + hex4(static_cast<std::uint32_t>(c)) + " in a comment");
      ++m_pos;
    }
    return true;
  }

  /// Whitespace, newlines and comments, as between an array's items.
  bool skip_array_space() {
    while (true) {
      const int c = peek();
      if (c == ' ' || c == '\t' || c == '\n') {
        ++m_pos;
      } else if (c == '#') {
        if (!skip_comment()) return false;
      } else {
        return true;
      }
    }
  }

  // --- strings ------------------------------------------------------------------------------

  /// After a backslash in a basic string (m_pos on the backslash).
  bool parse_escape(std::string& out, bool multi_line) {
    const std::size_t at = m_pos;
    const int c = peek(1);
    if (multi_line && (c == ' ' || c == '\t' || c == '\n')) {
      // A line-ending backslash: whitespace up to the newline, then all whitespace after.
      ++m_pos;
      skip_ws();
      if (peek() != '\n') return fail(at, "a backslash followed by whitespace must end the line");
      while (peek() == ' ' || peek() == '\t' || peek() == '\n') ++m_pos;
      return true;
    }
    m_pos += 2;
    switch (c) {
      case 'b':
        out += '\b';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'r':
        out += '\r';
        return true;
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case 'u':
      case 'U': {
        const std::size_t digits = c == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (std::size_t i = 0; i < digits; ++i) {
          const int h = peek();
          if (!is_hex(h))
            return fail(at, std::string("\\") + static_cast<char>(c) + " needs " + std::to_string(digits) +
                                " hexadecimal digits");
          cp = cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          ++m_pos;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
          return fail(at,
                      "escape \\" + std::string(1, static_cast<char>(c)) + " names no Unicode scalar value");
        append_utf8(out, cp);
        return true;
      }
      default:
        if (c < 0) return fail(at, "unterminated string");
        if (c < 0x80 && !is_control(c))
          return fail(at, std::string("invalid escape sequence \\") + static_cast<char>(c));
        return fail(at, "invalid escape sequence");
    }
  }

  /// At a quote: a basic or literal string, one-line or (when allowed) multi-line.
  bool parse_string(std::string& out, bool allow_multi_line) {
    const std::size_t start = m_pos;
    const char quote = m_src[m_pos];
    const bool literal = quote == '\'';
    const bool multi = allow_multi_line && peek(1) == quote && peek(2) == quote;
    if (multi) {
      m_pos += 3;
      if (peek() == '\n') ++m_pos;  // a newline right after the opening quotes is not content
    } else {
      ++m_pos;
    }
    while (true) {
      const int c = peek();
      if (c < 0) return fail(start, "unterminated string");
      if (c == quote) {
        if (!multi) {
          ++m_pos;
          return true;
        }
        std::size_t run = 0;
        while (peek(run) == quote) ++run;
        if (run >= 3) {
          // The string may end in one or two of its quote characters.
          const std::size_t extra = std::min<std::size_t>(run - 3, 2);
          out.append(extra, quote);
          m_pos += 3 + extra;
          return true;
        }
        out.append(run, quote);
        m_pos += run;
        continue;
      }
      if (c == '\\' && !literal) {
        if (!parse_escape(out, multi)) return false;
        continue;
      }
      if (c == '\n') {
        if (!multi) return fail(m_pos, "newline in a one-line string");
      } else if (c != '\t' && is_control(c)) {
        return fail(m_pos, "control character " + hex4(static_cast<std::uint32_t>(c)) + " in a string");
      }
      out += static_cast<char>(c);
      ++m_pos;
    }
  }

  // --- keys ---------------------------------------------------------------------------------

  /// A key: one or more simple keys joined by dots. `base` is the depth of the table it is in.
  bool parse_key(std::vector<key_part>& parts, std::size_t base) {
    parts.clear();
    while (true) {
      key_part part;
      part.at = m_pos;
      std::tie(part.line, part.column) = position(m_pos);
      const int c = peek();
      if (c == '"' || c == '\'') {
        if (!parse_string(part.name, false)) return false;
      } else if (is_bare_key(c)) {
        const std::size_t from = m_pos;
        while (is_bare_key(peek())) ++m_pos;
        part.name.assign(m_src, from, m_pos - from);
      } else {
        return unexpected_at(m_pos, "a key");
      }
      parts.push_back(std::move(part));
      if (base + parts.size() > toml_max_depth) return too_deep(parts.back().at);
      skip_ws();
      if (peek() != '.') return true;
      ++m_pos;
      skip_ws();
    }
  }

  static std::string dotted_name(const std::vector<key_part>& parts, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
      if (i != 0) out += '.';
      out += printable(excerpt(parts[i].name, 80));
    }
    return excerpt(out, 200);
  }

  // --- tables -------------------------------------------------------------------------------

  static toml_container& container(toml_value& v) {
    if (!v.m_container) v.m_container = std::make_unique<toml_container>();
    return *v.m_container;
  }

  static toml_value* child(toml_value& table, std::string_view key) {
    return const_cast<toml_value*>(std::as_const(table).find(key));
  }

  static toml_value& insert(toml_value& table, std::string key, toml_value value) {
    toml_container& c = container(table);
    c.entries.emplace_back(std::move(key), std::move(value));
    if (c.entries.size() > small_table) {
      if (c.index.empty()) {
        for (std::size_t i = 0; i < c.entries.size(); ++i) c.index.emplace(c.entries[i].first, i);
      } else {
        c.index.emplace(c.entries.back().first, c.entries.size() - 1);
      }
    }
    return c.entries.back().second;
  }

  toml_value make_table(std::pair<std::uint32_t, std::uint32_t> at, std::uint8_t st) {
    toml_value t(toml_kind::table, at.first, at.second);
    t.m_state = st;
    t.m_section = m_section;
    return t;
  }

  /// Why `existing` cannot take more keys (or be defined) through `key`.
  bool refuse(const toml_value& existing, const std::vector<key_part>& parts, std::size_t count,
              std::size_t at, bool by_dotted_key = false) {
    const std::string name = dotted_name(parts, count);
    if (existing.kind() == toml_kind::table) {
      switch (existing.m_state) {
        case st_inline:
          return fail(at, "inline table '" + name + "' cannot be extended");
        case st_header:
          if (by_dotted_key)
            return fail(at,
                        "table '" + name + "' was defined by a [table] header: dotted keys cannot add to it");
          return fail(at, "table '" + name + "' is already defined");
        default:
          return fail(at,
                      by_dotted_key
                          ? "table '" + name + "' was defined by dotted keys under another header"
                          : "table '" + name + "' was defined by dotted keys and cannot be defined again");
      }
    }
    if (existing.kind() == toml_kind::array) {
      if (existing.m_state == st_static_array) return fail(at, "array '" + name + "' cannot be extended");
      return fail(at, "'" + name + "' is an array of tables");
    }
    return fail(at, "key '" + name + "' already has a value");
  }

  /// A [table] or [[array of tables]] header; `current` and `depth` become the table it opens.
  bool parse_header(toml_value& root, toml_value*& current, std::size_t& depth) {
    ++m_section;
    const auto start = position(m_pos);
    const bool array = peek(1) == '[';
    m_pos += array ? 2 : 1;
    skip_ws();
    std::vector<key_part> parts;
    if (!parse_key(parts, 0)) return false;
    if (peek() != ']' || (array && peek(1) != ']'))
      return unexpected_at(m_pos, array ? "']]' to end the header" : "']' to end the header");
    m_pos += array ? 2 : 1;
    toml_value* table = &root;
    std::size_t level = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      toml_value* next = child(*table, parts[i].name);
      if (next == nullptr) {
        next = &insert(*table, parts[i].name, make_table({parts[i].line, parts[i].column}, st_implicit));
        level += 1;
      } else if (next->kind() == toml_kind::table && next->m_state != st_inline) {
        level += 1;
      } else if (next->kind() == toml_kind::array && next->m_state == st_table_array) {
        next = &container(*next).items.back();
        level += 2;
      } else {
        return refuse(*next, parts, i + 1, parts[i].at);
      }
      table = next;
    }
    const key_part& last = parts.back();
    toml_value* found = child(*table, last.name);
    if (!array) {
      level += 1;
      if (found == nullptr) {
        found = &insert(*table, last.name, make_table(start, st_header));
      } else if (found->kind() == toml_kind::table && found->m_state == st_implicit) {
        found->m_state = st_header;
      } else {
        return refuse(*found, parts, parts.size(), last.at);
      }
    } else {
      level += 2;
      if (found == nullptr) {
        toml_value list(toml_kind::array, start.first, start.second);
        list.m_state = st_table_array;
        found = &insert(*table, last.name, std::move(list));
      } else if (found->kind() != toml_kind::array || found->m_state != st_table_array) {
        return refuse(*found, parts, parts.size(), last.at);
      }
      auto& items = container(*found).items;
      items.push_back(make_table(start, st_header));
      found = &items.back();
    }
    if (level > toml_max_depth) return too_deep(last.at);
    current = found;
    depth = level;
    return true;
  }

  /// `key = value` at the top level of a section (`inline_table` false) or inside an inline
  /// table; `depth` is the depth of `table`.
  bool parse_keyval(toml_value& table, std::size_t depth, bool inline_table) {
    std::vector<key_part> parts;
    if (!parse_key(parts, depth)) return false;
    if (peek() != '=')
      return unexpected_at(m_pos, parts.size() == 1 ? "'=' or '.' after a key" : "'=' after a key");
    ++m_pos;
    skip_ws();
    toml_value value;
    if (!parse_value(value, depth + parts.size())) return false;
    toml_value* target = &table;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      toml_value* next = child(*target, parts[i].name);
      if (next == nullptr) {
        next = &insert(
            *target, parts[i].name,
            make_table({parts[i].line, parts[i].column}, inline_table ? st_inline_dotted : st_dotted));
      } else if (next->kind() != toml_kind::table) {
        return refuse(*next, parts, i + 1, parts[i].at);
      } else if (inline_table) {
        if (next->m_state != st_inline_dotted) return refuse(*next, parts, i + 1, parts[i].at);
      } else if (next->m_state == st_implicit) {
        next->m_state = st_dotted;
        next->m_section = m_section;
      } else if (next->m_state != st_dotted || next->m_section != m_section) {
        return refuse(*next, parts, i + 1, parts[i].at, true);
      }
      target = next;
    }
    const key_part& last = parts.back();
    if (child(*target, last.name) != nullptr)
      return fail(last.at, "key '" + dotted_name(parts, parts.size()) + "' is already defined");
    insert(*target, last.name, std::move(value));
    return true;
  }

  // --- values -------------------------------------------------------------------------------

  bool digits_at(std::size_t at, std::size_t count) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (at + i >= m_src.size() || !is_digit(static_cast<unsigned char>(m_src[at + i]))) return false;
    }
    return true;
  }

  int number_at(std::size_t at, std::size_t count) const {
    int n = 0;
    for (std::size_t i = 0; i < count; ++i) n = n * 10 + (m_src[at + i] - '0');
    return n;
  }

  /// HH:MM:SS[.fraction] at `at`: its length, else 0 (shape or range wrong).
  std::size_t time_length(std::size_t at) const {
    if (!digits_at(at, 2) || at + 2 >= m_src.size() || m_src[at + 2] != ':' || !digits_at(at + 3, 2) ||
        at + 5 >= m_src.size() || m_src[at + 5] != ':' || !digits_at(at + 6, 2))
      return 0;
    if (number_at(at, 2) > 23 || number_at(at + 3, 2) > 59 || number_at(at + 6, 2) > 59) return 0;
    std::size_t end = at + 8;
    if (end + 1 < m_src.size() && m_src[end] == '.' && is_digit(static_cast<unsigned char>(m_src[end + 1]))) {
      ++end;
      while (end < m_src.size() && is_digit(static_cast<unsigned char>(m_src[end]))) ++end;
    }
    return end - at;
  }

  /// A date, date-time or time at m_pos; false (with an error) when the text starts like one
  /// but is not valid.
  bool parse_date_time(toml_value& out) {
    const std::size_t start = m_pos;
    if (digits_at(start, 2) && peek(2) == ':') {
      const std::size_t n = time_length(start);
      if (n == 0) return fail(start, "invalid time");
      out.m_kind = toml_kind::local_time;
      m_pos += n;
      out.m_text.assign(m_src, start, m_pos - start);
      return true;
    }
    if (!(peek(4) == '-' && peek(7) == '-' && digits_at(start + 5, 2) && digits_at(start + 8, 2)))
      return fail(start, "invalid date");
    const int year = number_at(start, 4);
    const int month = number_at(start + 5, 2);
    const int day = number_at(start + 8, 2);
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
      return fail(start, "invalid date");
    m_pos += 10;
    out.m_kind = toml_kind::local_date;
    const int sep = peek();
    if (sep == 'T' || sep == 't' || sep == ' ') {
      if (const std::size_t n = time_length(m_pos + 1); n != 0) {
        m_pos += 1 + n;
        out.m_kind = toml_kind::local_date_time;
        const int z = peek();
        if (z == 'Z' || z == 'z') {
          ++m_pos;
          out.m_kind = toml_kind::offset_date_time;
        } else if ((z == '+' || z == '-') && digits_at(m_pos + 1, 2) && peek(3) == ':' &&
                   digits_at(m_pos + 4, 2) && number_at(m_pos + 1, 2) <= 23 &&
                   number_at(m_pos + 4, 2) <= 59) {
          m_pos += 6;
          out.m_kind = toml_kind::offset_date_time;
        }
      } else if (sep != ' ') {
        return fail(m_pos, "invalid time after a date");
      }
    }
    out.m_text.assign(m_src, start, m_pos - start);
    return true;
  }

  /// Digits with single underscores between them, as `accept` allows; the digits go to `out`.
  template <class Accept>
  std::size_t digit_run(std::string& out, Accept accept) {
    std::size_t count = 0;
    if (!accept(peek())) return 0;
    while (true) {
      out += static_cast<char>(peek());
      ++m_pos;
      ++count;
      if (accept(peek())) continue;
      if (peek() == '_' && accept(peek(1))) {
        ++m_pos;
        continue;
      }
      return count;
    }
  }

  bool parse_number(toml_value& out) {
    const std::size_t start = m_pos;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'o' || peek(1) == 'b')) {
      const int base = peek(1) == 'x' ? 16 : peek(1) == 'o' ? 8 : 2;
      m_pos += 2;
      std::string digits;
      const auto accept = [base](int c) {
        if (base == 16) return is_hex(c);
        return c >= '0' && c < '0' + base;
      };
      if (digit_run(digits, accept) == 0) return fail(start, "invalid integer: no digits after its prefix");
      std::uint64_t value = 0;
      for (char d : digits) {
        const int digit = is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10;
        if (value > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) -
                     static_cast<unsigned>(digit)) /
                        static_cast<unsigned>(base))
          return fail(start, "integer out of range (64-bit signed)");
        value = value * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
      }
      out.m_kind = toml_kind::integer;
      out.m_integer = static_cast<std::int64_t>(value);
      return true;
    }
    bool negative = false;
    if (peek() == '+' || peek() == '-') {
      negative = peek() == '-';
      ++m_pos;
    }
    if (starts_with("inf") || starts_with("nan")) {
      out.m_kind = toml_kind::floating;
      const bool inf = peek() == 'i';
      m_pos += 3;
      const double value =
          inf ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
      out.m_integer = std::bit_cast<std::int64_t>(negative ? -value : value);
      return true;
    }
    std::string int_digits;
    if (peek() == '0') {
      int_digits = "0";
      ++m_pos;
    } else if (digit_run(int_digits, is_digit) == 0) {
      return unexpected_at(start, "a value");
    }
    std::string frac_digits;
    std::string exp_digits;
    bool exp_negative = false;
    bool is_float = false;
    if (peek() == '.' && is_digit(peek(1))) {
      ++m_pos;
      digit_run(frac_digits, is_digit);
      is_float = true;
    }
    if ((peek() == 'e' || peek() == 'E')) {
      const std::size_t sign = (peek(1) == '+' || peek(1) == '-') ? 1 : 0;
      if (is_digit(peek(1 + sign))) {
        exp_negative = peek(1) == '-';
        m_pos += 1 + sign;
        digit_run(exp_digits, is_digit);
        is_float = true;
      }
    }
    if (!is_float) {
      std::uint64_t value = 0;
      const std::uint64_t limit =
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1U : 0U);
      for (char d : int_digits) {
        const auto digit = static_cast<unsigned>(d - '0');
        if (value > (limit - digit) / 10) return fail(start, "integer out of range (64-bit signed)");
        value = value * 10 + digit;
      }
      out.m_kind = toml_kind::integer;
      out.m_integer = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
      return true;
    }
    std::string text = int_digits;
    if (!frac_digits.empty()) text += "." + frac_digits;
    if (!exp_digits.empty()) text += (exp_negative ? "e-" : "e") + exp_digits;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    (void)ptr;
    if (ec == std::errc::result_out_of_range) {
      // Beyond binary64: rounds to infinity or to zero, by the decimal magnitude.
      long long magnitude = 0;
      const std::size_t lead = int_digits.find_first_not_of('0');
      if (lead != std::string::npos) {
        magnitude = static_cast<long long>(int_digits.size() - lead);
      } else {
        const std::size_t frac_lead = frac_digits.find_first_not_of('0');
        magnitude = frac_lead == std::string::npos ? std::numeric_limits<long long>::min() / 2
                                                   : -static_cast<long long>(frac_lead);
      }
      const std::size_t exp_lead = exp_digits.find_first_not_of('0');
      const long long exponent =
          exp_lead == std::string::npos
              ? 0
              : (exp_digits.size() - exp_lead > 9 ? 1000000000LL : std::stoll(exp_digits.substr(exp_lead)));
      magnitude += exp_negative ? -exponent : exponent;
      value = magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    } else if (ec != std::errc()) {
      return fail(start, "invalid float");
    }
    out.m_kind = toml_kind::floating;
    out.m_integer = std::bit_cast<std::int64_t>(negative ? -value : value);
    return true;
  }

  bool parse_value(toml_value& out, std::size_t depth) {
    const std::size_t start = m_pos;
    std::tie(out.m_line, out.m_column) = position(start);
    if (depth > toml_max_depth) return too_deep(start);
    if (++m_values > toml_max_values)
      return fail(start, "more than " + std::to_string(toml_max_values) + " values in one document");
    const int c = peek();
    if (c == '"' || c == '\'') {
      out.m_kind = toml_kind::string;
      return parse_string(out.m_text, true);
    }
    if (c == 't' || c == 'f') {
      const std::string_view word = c == 't' ? "true" : "false";
      if (!starts_with(word)) return unexpected_at(start, "a value");
      out.m_kind = toml_kind::boolean;
      out.m_integer = c == 't' ? 1 : 0;
      m_pos += word.size();
      return true;
    }
    if (c == '[') return parse_array(out, depth);
    if (c == '{') return parse_inline_table(out, depth);
    if ((digits_at(start, 4) && peek(4) == '-') || (digits_at(start, 2) && peek(2) == ':'))
      return parse_date_time(out);
    if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n') return parse_number(out);
    return unexpected_at(start, "a value");
  }

  bool parse_array(toml_value& out, std::size_t depth) {
    out.m_kind = toml_kind::array;
    out.m_state = st_static_array;
    ++m_pos;
    if (!skip_array_space()) return false;
    while (peek() != ']') {
      toml_value item;
      if (!parse_value(item, depth + 1)) return false;
      container(out).items.push_back(std::move(item));  // an empty array allocates nothing
      if (!skip_array_space()) return false;
      if (peek() == ']') break;
      if (peek() != ',') return unexpected_at(m_pos, "',' or ']' in an array");
      ++m_pos;
      if (!skip_array_space()) return false;
    }
    ++m_pos;
    return true;
  }

  bool parse_inline_table(toml_value& out, std::size_t depth) {
    out.m_kind = toml_kind::table;
    out.m_state = st_inline;
    ++m_pos;
    skip_ws();
    if (peek() == '}') {
      ++m_pos;
      return true;
    }
    while (true) {
      if (!parse_keyval(out, depth, true)) return false;
      skip_ws();
      if (peek() == '}') {
        ++m_pos;
        return true;
      }
      if (peek() != ',') return unexpected_at(m_pos, "',' or '}' in an inline table");
      ++m_pos;
      skip_ws();
      if (peek() == '}') return fail(m_pos, "trailing comma in an inline table");
    }
  }

  // --- the document ---------------------------------------------------------------------------

  bool parse_document(toml_value& root) {
    toml_value* current = &root;
    std::size_t depth = 0;
    while (true) {
      skip_ws();
      if (at_end()) return true;
      const int c = peek();
      if (c == '\n') {
        ++m_pos;
        continue;
      }
      if (c == '[') {
        if (!parse_header(root, current, depth)) return false;
        skip_ws();
      } else if (is_bare_key(c) || c == '"' || c == '\'') {
        if (!parse_keyval(*current, depth, false)) return false;
        skip_ws();
      } else if (c != '#') {
        return unexpected_at(m_pos, "a key, a [table] header or a comment");
      }
      if (peek() == '#' && !skip_comment()) return false;
      if (at_end()) return true;
      if (peek() != '\n') return unexpected_at(m_pos, "a comment or the end of the line");
      ++m_pos;
    }
  }
};

}  // namespace detail

result<toml_value> parse_toml(std::string_view text) { return detail::toml_parser(text).run(); }

}  // namespace pyresolve::packaging
