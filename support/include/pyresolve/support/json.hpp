#pragma once
/// @file
/// Writing JSON by hand where a document is a few fixed fields (reports, index pages): the one
/// string escaper every writer shares.

#include <string>
#include <string_view>

namespace pyresolve {

/// Appends `text` as a JSON string literal (quotes included): `"` and `\` escaped, `\n`, `\r`,
/// `\t` by name and other control characters as `\u00XX`; bytes >= 0x80 pass through, so UTF-8
/// input gives UTF-8 output.
inline void append_json_string(std::string& out, std::string_view text) {
  constexpr std::string_view hex = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[static_cast<unsigned char>(c) >> 4];
          out += hex[static_cast<unsigned char>(c) & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace pyresolve
