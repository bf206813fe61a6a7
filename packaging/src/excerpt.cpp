#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

constexpr bool is_continuation(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// Moves `i` back to the start of the UTF-8 character it falls in (a few bytes at most).
std::size_t char_start(std::string_view text, std::size_t i) noexcept {
  for (int steps = 0; steps < 3 && i > 0 && i < text.size() && is_continuation(text[i]); ++steps) --i;
  return i;
}

constexpr std::string_view ellipsis = "...";

}  // namespace

std::string excerpt(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::string out(text.substr(0, char_start(text, limit)));
  out += ellipsis;
  return out;
}

std::string excerpt_around(std::string_view text, std::size_t at, std::size_t& at_in_window,
                           std::size_t limit) {
  if (text.size() <= limit) {
    at_in_window = at;
    return std::string(text);
  }
  if (at > text.size()) at = text.size();
  // Keep the point a quarter into the window: what led to it is usually the context needed.
  std::size_t begin = at > limit / 4 ? char_start(text, at - limit / 4) : 0;
  if (text.size() - begin < limit) begin = char_start(text, text.size() - limit);
  const std::size_t end = begin + limit >= text.size() ? text.size() : char_start(text, begin + limit);
  std::string out;
  if (begin > 0) out += ellipsis;
  at_in_window = out.size() + (at - begin);
  out += text.substr(begin, end - begin);
  if (end < text.size()) out += ellipsis;
  return out;
}

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace pyresolve::packaging
