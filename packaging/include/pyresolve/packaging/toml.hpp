#pragma once
/// @file
/// A TOML 1.0 reader: text in, a small tree of values out, or an error naming the line and
/// column where the text stops being TOML.
///
/// Safe on hostile text: the whole input is checked as UTF-8 first; values, dotted keys and
/// table headers nest at most `toml_max_depth` levels (the parser recurses only into arrays
/// and inline tables, so its stack is bounded by that cap); tables with many keys are
/// indexed by a sorted map (no hash an input could flood), so time is linear in the input up
/// to that map's logarithm. No exceptions escape on bad input, nothing is printed.
/// Used for pyproject.toml here and for pylock.toml by the command line.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// The deepest a value may sit: every table, array, dotted-key segment and header segment
/// between it and the document counts one level.
inline constexpr std::size_t toml_max_depth = 128;

/// The most values (of any kind, array items included) a document may hold: each takes 64
/// bytes, so this bounds the tree at about 128 MB whatever the text (a 64 MiB file of `0,`
/// items would otherwise make 3.5 GB). The largest real pylock.toml files hold a few hundred
/// thousand.
inline constexpr std::size_t toml_max_values = 2'000'000;

enum class toml_kind : std::uint8_t {
  table,
  array,
  string,
  integer,
  floating,
  boolean,
  offset_date_time,
  local_date_time,
  local_date,
  local_time,
};

/// "a table", "an integer", ... for messages.
[[nodiscard]] PYRESOLVE_API const char* toml_kind_name(toml_kind kind) noexcept;

namespace detail {
struct toml_container;
class toml_parser;
}  // namespace detail

/// One value of a document. Dates and times keep their text as written (validated); strings
/// keep their decoded content.
class PYRESOLVE_API toml_value {
 public:
  using entry = std::pair<std::string, toml_value>;

  toml_value();
  toml_value(toml_kind kind, std::uint32_t line, std::uint32_t column);
  toml_value(toml_value&&) noexcept;
  toml_value& operator=(toml_value&&) noexcept;
  ~toml_value();

  [[nodiscard]] toml_kind kind() const noexcept { return m_kind; }
  [[nodiscard]] std::uint32_t line() const noexcept { return m_line; }
  [[nodiscard]] std::uint32_t column() const noexcept { return m_column; }
  [[nodiscard]] bool is_table() const noexcept { return m_kind == toml_kind::table; }
  [[nodiscard]] bool is_array() const noexcept { return m_kind == toml_kind::array; }
  [[nodiscard]] bool is_string() const noexcept { return m_kind == toml_kind::string; }

  /// A string's content, or a date or time as written; empty for other kinds.
  [[nodiscard]] const std::string& text() const noexcept { return m_text; }
  [[nodiscard]] std::int64_t integer() const noexcept { return m_integer; }
  [[nodiscard]] double floating() const noexcept { return std::bit_cast<double>(m_integer); }
  [[nodiscard]] bool boolean() const noexcept { return m_integer != 0; }

  /// An array's items; empty for other kinds.
  [[nodiscard]] std::span<const toml_value> items() const noexcept;
  /// A table's keys and values in the order they were first written; empty for other kinds.
  [[nodiscard]] std::span<const entry> entries() const noexcept;
  /// A table's value under `key`, else nullptr (also for other kinds).
  [[nodiscard]] const toml_value* find(std::string_view key) const;

 private:
  friend class detail::toml_parser;

  toml_kind m_kind = toml_kind::table;
  std::uint8_t m_state = 0;  ///< the parser's bookkeeping (how a table or array was made)
  std::uint32_t m_line = 0;
  std::uint32_t m_column = 0;
  std::uint32_t m_section = 0;  ///< the parser's bookkeeping (where a dotted key made a table)
  std::int64_t m_integer = 0;   ///< an integer, a boolean as 0 or 1, or a float's bits
  std::string m_text;
  std::unique_ptr<detail::toml_container> m_container;  ///< a table's or an array's children
};

/// Parses a whole document. The result is the root table; an error is `errc::invalid_argument`
/// with a message and the 1-based line and column (in characters) where it was found.
[[nodiscard]] PYRESOLVE_API result<toml_value> parse_toml(std::string_view text);

}  // namespace pyresolve::packaging
