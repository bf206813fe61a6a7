#include "pyresolve/cli/terminal_text.hpp"

#include <algorithm>

namespace pyresolve::cli {
namespace {

constexpr bool is_c0_or_del(unsigned char c) noexcept {
  return (c < 0x20U && c != '\n' && c != '\t') || c == 0x7FU;
}

// The second byte of a C1 control after 0xC2.
constexpr bool is_c1_tail(unsigned char c) noexcept { return c >= 0x80U && c <= 0x9FU; }

constexpr char hex_digit(unsigned value) noexcept {
  return static_cast<char>(value < 10 ? '0' + value : 'a' + (value - 10));
}

}  // namespace

std::string escape_controls(std::string_view text) {
  const auto needs_escape = [&](std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    return is_c0_or_del(c) ||
           (c == 0xC2U && i + 1 < text.size() && is_c1_tail(static_cast<unsigned char>(text[i + 1])));
  };
  std::size_t i = 0;
  while (i < text.size() && !needs_escape(i)) ++i;
  if (i == text.size()) return std::string(text);
  std::string out(text.substr(0, i));
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_c0_or_del(c)) {
      out += "\\x";
      out += hex_digit(c >> 4U);
      out += hex_digit(c & 0xFU);
    } else if (needs_escape(i)) {
      const auto tail = static_cast<unsigned char>(text[++i]);
      out += "\\u00";
      out += hex_digit(tail >> 4U);
      out += hex_digit(tail & 0xFU);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace pyresolve::cli
