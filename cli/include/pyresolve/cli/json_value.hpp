#pragma once
/// @file
/// A strict, bounded JSON reader for the small documents the command line reads itself (one
/// line of a batch's jobs): RFC 8259 only, valid UTF-8 only, nesting at most `max_depth` deep,
/// members kept in the order written. The index's pages go through simdjson instead, which
/// `resolve` loads only when it fetches (index/README.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

struct json_member;

/// One JSON value. A number keeps its text as written (the reader only checks its grammar).
struct json_value {
  enum class kind : std::uint8_t { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  std::string text;                  ///< a string's value (decoded), a number's text
  std::vector<json_value> items;     ///< an array's elements
  std::vector<json_member> members;  ///< an object's, in order, duplicates kept
};

/// One member of an object.
struct json_member {
  std::string key;
  json_value value;
};

/// Parses exactly one value (surrounding whitespace allowed). The error names the byte offset
/// and what was expected there.
[[nodiscard]] result<json_value> parse_json(std::string_view text, std::size_t max_depth = 16);

}  // namespace pyresolve::cli
