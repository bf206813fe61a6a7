#include "pyresolve/cli/json_value.hpp"

#include <fmt/format.h>

#include "pyresolve/support/utf8.hpp"

namespace pyresolve::cli {
namespace {

class json_reader {
 public:
  json_reader(std::string_view text, std::size_t max_depth) : m_text(text), m_max_depth(max_depth) {}

  result<json_value> document() {
    json_value v;
    skip_space();
    if (!value(v, 0)) return error();
    skip_space();
    if (m_at != m_text.size()) {
      failed("the end of the document");
      return error();
    }
    return v;
  }

 private:
  result<json_value> error() const { return fail(errc::invalid_argument, m_error); }
  bool failed(std::string_view expected) {
    if (m_error.empty()) m_error = fmt::format("invalid JSON at byte {}: expected {}", m_at + 1, expected);
    return false;
  }
  void skip_space() {
    while (m_at < m_text.size() &&
           (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\n' || m_text[m_at] == '\r'))
      ++m_at;
  }
  bool literal(std::string_view word) {
    if (m_text.substr(m_at, word.size()) != word) return failed("a value");
    m_at += word.size();
    return true;
  }
  bool value(json_value& out, std::size_t depth) {
    if (m_at >= m_text.size()) return failed("a value");
    switch (m_text[m_at]) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out.type = json_value::kind::string;
        return string(out.text);
      case 't':
        out.type = json_value::kind::boolean;
        out.boolean = true;
        return literal("true");
      case 'f':
        out.type = json_value::kind::boolean;
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number(out);
    }
  }
  /// The elements of an array or the members of an object, from its opening bracket to
  /// `close`: `one` reads each, commas between them.
  template <class Read>
  bool sequence(std::size_t depth, char close, const char* expected, Read&& one) {
    if (depth > m_max_depth) return failed(fmt::format("at most {} levels of nesting", m_max_depth));
    ++m_at;
    skip_space();
    if (m_at < m_text.size() && m_text[m_at] == close) return ++m_at, true;
    for (;;) {
      skip_space();
      if (!one()) return false;
      skip_space();
      if (m_at < m_text.size() && m_text[m_at] == ',') {
        ++m_at;
        continue;
      }
      if (m_at < m_text.size() && m_text[m_at] == close) return ++m_at, true;
      return failed(expected);
    }
  }
  bool object(json_value& out, std::size_t depth) {
    out.type = json_value::kind::object;
    return sequence(depth, '}', "',' or '}'", [&] {
      std::string key;
      if (m_at >= m_text.size() || m_text[m_at] != '"') return failed("a member name in quotes");
      if (!string(key)) return false;
      skip_space();
      if (m_at >= m_text.size() || m_text[m_at] != ':') return failed("':'");
      ++m_at;
      skip_space();
      json_value member;
      if (!value(member, depth)) return false;
      out.members.push_back(json_member{std::move(key), std::move(member)});
      return true;
    });
  }
  bool array(json_value& out, std::size_t depth) {
    out.type = json_value::kind::array;
    return sequence(depth, ']', "',' or ']'", [&] {
      json_value item;
      if (!value(item, depth)) return false;
      out.items.push_back(std::move(item));
      return true;
    });
  }
  bool number(json_value& out) {
    const std::size_t start = m_at;
    const auto digits = [&] {
      const std::size_t from = m_at;
      while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9') ++m_at;
      return m_at > from;
    };
    if (m_at < m_text.size() && m_text[m_at] == '-') ++m_at;
    if (m_at < m_text.size() && m_text[m_at] == '0') {
      ++m_at;
    } else if (!digits()) {
      m_at = start;
      return failed("a value");
    }
    if (m_at < m_text.size() && m_text[m_at] == '.') {
      ++m_at;
      if (!digits()) return failed("a digit");
    }
    if (m_at < m_text.size() && (m_text[m_at] == 'e' || m_text[m_at] == 'E')) {
      ++m_at;
      if (m_at < m_text.size() && (m_text[m_at] == '+' || m_text[m_at] == '-')) ++m_at;
      if (!digits()) return failed("a digit");
    }
    out.type = json_value::kind::number;
    out.text = std::string(m_text.substr(start, m_at - start));
    return true;
  }
  bool hex4(std::uint32_t& unit) {
    if (m_text.size() - m_at < 4) return failed("four hex digits");
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = m_text[m_at++];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return --m_at, failed("four hex digits");
      unit = unit * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }
  /// One UTF-8 sequence starting at m_at, copied; shortest forms only, no surrogates.
  bool utf8(std::string& out) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(m_text[i]); };
    const unsigned char lead = byte(m_at);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, cp = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, cp = lead & 0x07u;
    } else {
      return failed("valid UTF-8");
    }
    if (m_text.size() - m_at < length) return failed("valid UTF-8");
    for (std::size_t i = 1; i < length; ++i) {
      if ((byte(m_at + i) & 0xC0) != 0x80) return failed("valid UTF-8");
      cp = (cp << 6) | (byte(m_at + i) & 0x3Fu);
    }
    if ((length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return failed("valid UTF-8");
    out.append(m_text.substr(m_at, length));
    m_at += length;
    return true;
  }
  bool string(std::string& out) {
    ++m_at;  // the opening quote
    for (;;) {
      if (m_at >= m_text.size()) return failed("'\"'");
      const auto c = static_cast<unsigned char>(m_text[m_at]);
      if (c == '"') return ++m_at, true;
      if (c < 0x20) return failed("no control character in a string");
      if (c >= 0x80) {
        if (!utf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++m_at;
        continue;
      }
      if (++m_at >= m_text.size()) return failed("an escape");
      const char e = m_text[m_at++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t unit = 0;
          if (!hex4(unit)) return false;
          if (unit >= 0xDC00 && unit <= 0xDFFF) return failed("a high surrogate before a low one");
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            std::uint32_t low = 0;
            if (m_text.substr(m_at, 2) != "\\u") return failed("a low surrogate");
            m_at += 2;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return failed("a low surrogate");
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, unit);
          break;
        }
        default:
          --m_at;
          return failed("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      }
    }
  }

  std::string_view m_text;
  std::size_t m_max_depth;
  std::size_t m_at = 0;
  std::string m_error;
};

}  // namespace

result<json_value> parse_json(std::string_view text, std::size_t max_depth) {
  return json_reader(text, max_depth).document();
}

}  // namespace pyresolve::cli
