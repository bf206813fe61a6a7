#include "detail/py_text.hpp"

#include <algorithm>
#include <iterator>

#include "detail/unicode_tables.hpp"

namespace pyresolve::packaging::detail {
namespace {

constexpr bool is_continuation(unsigned char c) noexcept { return (c & 0xC0U) == 0x80U; }

constexpr bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr std::uint32_t hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint32_t>(c - 'a' + 10);
  return static_cast<std::uint32_t>(c - 'A' + 10);
}

}  // namespace

decoded_char decode_at(std::string_view text, std::size_t pos) noexcept {
  if (pos >= text.size()) return {};
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80U) return {lead, 1, true};
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t minimum = 0;
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    cp = lead & 0x1FU;
    minimum = 0x80;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    cp = lead & 0x0FU;
    minimum = 0x800;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    cp = lead & 0x07U;
    minimum = 0x10000;
  } else {
    return {lead, 1, false};
  }
  if (pos + length > text.size()) return {lead, 1, false};
  for (std::size_t i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(c)) return {lead, 1, false};
    cp = (cp << 6U) | (c & 0x3FU);
  }
  if (cp < minimum || cp > 0x10FFFF) return {lead, 1, false};
  return {cp, length, true};
}

decoded_char decode_before(std::string_view text, std::size_t pos) noexcept {
  if (pos == 0 || pos > text.size()) return {};
  // Walk back over at most three continuation bytes to the lead byte, then check that the
  // sequence really ends at `pos`.
  std::size_t start = pos - 1;
  for (int i = 0; i < 3 && start > 0 && is_continuation(static_cast<unsigned char>(text[start])); ++i)
    --start;
  const decoded_char c = decode_at(text, start);
  if (c.valid && start + c.size == pos) return c;
  return {static_cast<unsigned char>(text[pos - 1]), 1, false};
}

bool is_word_char(const decoded_char& c) noexcept {
  if (c.size == 0 || !c.valid) return false;
  const std::uint32_t cp = c.cp;
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
  }
  const auto* end = std::end(unicode_word_ranges);
  const auto* it =
      std::upper_bound(std::begin(unicode_word_ranges), end, cp,
                       [](std::uint32_t value, const code_point_range& r) { return value < r.first; });
  if (it == std::begin(unicode_word_ranges)) return false;
  --it;
  return cp <= it->last;
}

bool is_space_char(const decoded_char& c) noexcept {
  if (c.size == 0 || !c.valid) return false;
  const std::uint32_t cp = c.cp;
  if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20)) return true;
  if (cp < 0x80) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_word_boundary(std::string_view text, std::size_t pos) noexcept {
  return is_word_char(decode_before(text, pos)) != is_word_char(decode_at(text, pos));
}

std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const decoded_char c = decode_at(text, pos);
    if (c.valid && c.cp < 0x80) {
      out += (c.cp >= 'A' && c.cp <= 'Z') ? static_cast<char>(c.cp - 'A' + 'a') : static_cast<char>(c.cp);
    } else if (c.valid) {
      const auto* end = std::end(unicode_lower_mappings);
      const auto* it =
          std::lower_bound(std::begin(unicode_lower_mappings), end, c.cp,
                           [](const lower_mapping& m, std::uint32_t value) { return m.from < value; });
      if (it != end && it->from == c.cp) {
        append_utf8(out, it->to0);
        if (it->to1 != 0) append_utf8(out, it->to1);
      } else {
        out.append(text.substr(pos, c.size));
      }
    } else {
      out += text[pos];
    }
    pos += c.size;
  }
  return out;
}

std::string canonicalize_name(std::string_view text) {
  std::string collapsed;
  collapsed.reserve(text.size());
  bool in_run = false;
  for (char c : text) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) collapsed += '-';
      in_run = true;
    } else {
      collapsed += c;
      in_run = false;
    }
  }
  return python_lower(collapsed);
}

literal_outcome eval_python_string(std::string_view literal) {
  literal_outcome out;
  if (literal.size() < 2) {
    out.reason = "unterminated string literal";
    return out;
  }
  const std::string_view body = literal.substr(1, literal.size() - 2);
  auto failure = [&](std::string reason, std::size_t offset) {
    out.ok = false;
    out.value.clear();
    out.reason = std::move(reason);
    out.error_offset = offset + 1;
    return out;
  };
  std::string& value = out.value;
  value.reserve(body.size());
  std::size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c == '\0') return failure("source code string cannot contain null bytes", i);
    // Python reads source with universal newlines, so a bare CR ends the line too.
    if (c == '\n' || c == '\r') return failure("unterminated string literal", i);
    if (c != '\\') {
      value += c;
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) {
      // The backslash escapes the closing quote, so the literal never ends.
      return failure("unterminated string literal", i);
    }
    const char e = body[i + 1];
    std::size_t next = i + 2;
    switch (e) {
      case '\n':
        break;
      case '\r':
        if (next < body.size() && body[next] == '\n') ++next;
        break;
      case '\0':
        return failure("source code string cannot contain null bytes", i + 1);
      case '\\':
        value += '\\';
        break;
      case '\'':
        value += '\'';
        break;
      case '"':
        value += '"';
        break;
      case 'a':
        value += '\a';
        break;
      case 'b':
        value += '\b';
        break;
      case 'f':
        value += '\f';
        break;
      case 'n':
        value += '\n';
        break;
      case 'r':
        value += '\r';
        break;
      case 't':
        value += '\t';
        break;
      case 'v':
        value += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const std::size_t digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        std::uint32_t cp = 0;
        for (std::size_t k = 0; k < digits; ++k) {
          if (next + k >= body.size() || !is_hex(body[next + k])) {
            return failure(std::string("(unicode error) truncated \\") + e + " escape", i);
          }
          cp = (cp << 4U) | hex_value(body[next + k]);
        }
        if (cp > 0x10FFFF) return failure("(unicode error) illegal Unicode character", i);
        append_utf8(value, cp);
        next += digits;
        break;
      }
      case 'N':
        // Resolving character names needs the whole Unicode name database; we refuse rather
        // than guess.
        return failure("(unicode error) \\N{...} escapes are not supported", i);
      default:
        if (e >= '0' && e <= '7') {
          std::uint32_t cp = static_cast<std::uint32_t>(e - '0');
          for (int k = 0; k < 2 && next < body.size() && body[next] >= '0' && body[next] <= '7';
               ++k, ++next) {
            cp = cp * 8 + static_cast<std::uint32_t>(body[next] - '0');
          }
          append_utf8(value, cp);
        } else {
          // Unknown escapes keep their backslash (Python only warns).
          value += '\\';
          next = i + 1;
        }
        break;
    }
    i = next;
  }
  out.ok = true;
  return out;
}

}  // namespace pyresolve::packaging::detail
