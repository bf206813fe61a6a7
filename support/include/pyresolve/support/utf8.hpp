#pragma once
/// @file
/// Writing a code point as UTF-8: the one encoder every reader that decodes `\u` escapes
/// shares (TOML, JSON, Python string literals).

#include <cstdint>
#include <string>

namespace pyresolve {

/// Appends code point `cp` (at most 0x10FFFF) as UTF-8. Surrogates are encoded as any other
/// code point, as Python keeps them; readers that must refuse them check before.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0U | (cp >> 6U));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0U | (cp >> 12U));
    out += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  } else {
    out += static_cast<char>(0xF0U | (cp >> 18U));
    out += static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU));
    out += static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU));
    out += static_cast<char>(0x80U | (cp & 0x3FU));
  }
}

}  // namespace pyresolve
