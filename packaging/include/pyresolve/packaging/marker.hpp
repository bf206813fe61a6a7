#pragma once
/// @file
/// PEP 508 environment markers: parsing, normalized printing and evaluation, exactly as
/// `packaging.markers.Marker` does.

#include <array>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::packaging {

namespace detail {
struct marker_access;
}

/// The marker variables of PEP 508 (plus the legacy dotted aliases, which parse to these).
enum class marker_var : std::uint8_t {
  implementation_name,
  implementation_version,
  os_name,
  platform_machine,
  platform_python_implementation,
  platform_release,
  platform_system,
  platform_version,
  python_full_version,
  python_version,
  sys_platform,
  extra,
};
inline constexpr std::size_t marker_var_count = 12;

/// The PEP 508 spelling of a variable.
[[nodiscard]] PYRESOLVE_API const char* to_string(marker_var var) noexcept;

/// Values of the marker variables for one target environment. `extra` is not stored here:
/// it is passed to `marker::evaluate` because one environment is evaluated for many extras.
struct PYRESOLVE_API marker_environment {
  std::array<std::string, marker_var_count> values;

  [[nodiscard]] const std::string& get(marker_var var) const noexcept {
    return values[static_cast<std::size_t>(var)];
  }
  void set(marker_var var, std::string value) { values[static_cast<std::size_t>(var)] = std::move(value); }
};

/// A parsed marker expression. Immutable; thread-safe for concurrent reads.
class PYRESOLVE_API marker {
 public:
  /// The empty marker: always true, prints as the empty string. Only `parse` makes others.
  marker() = default;

  /// Parses a marker expression (the part after `;` of a requirement). Errors name the text
  /// and the column, as `packaging` does ("Expected a marker variable or quoted string").
  /// The expression tree lives in `memory`, which must outlive every copy of the marker.
  /// Parentheses nest at most 64 deep (an error past that): everything that walks the tree
  /// recurses, on worker threads too.
  [[nodiscard]] static result<marker> parse(std::string_view text,
                                            std::pmr::memory_resource* memory = support::default_resource());

  /// Evaluates for `env` with `extra` as the value of the `extra` variable (normalized
  /// before comparing, as are the literals compared with it). Comparisons that
  /// `packaging` 23 refuses (an operator that applies to neither versions nor strings, such as
  /// `~=` on a non-version) return an `invalid_marker` error.
  [[nodiscard]] result<bool> evaluate(const marker_environment& env, std::string_view extra = {}) const;

  /// Normalized text, as `str(Marker(text))`: double quotes, single spaces, parentheses kept
  /// where the source grouped.
  [[nodiscard]] std::string to_string() const;

  /// Whether the expression mentions `extra` at all.
  [[nodiscard]] bool references_extra() const noexcept;

  /// Whether the marker is false whenever `extra` is empty, whatever the environment: it
  /// requires some extra (`extra == "x"`, alone or in an `and`). Such a requirement never
  /// applies to a package asked for without extras, so a reader may leave it undecoded.
  [[nodiscard]] bool false_without_extra() const noexcept;

  /// The extras this marker can be true for when every other variable is ignored; used to
  /// attach `Requires-Dist: x; extra == "y"` to the virtual package of extra `y`.
  [[nodiscard]] std::vector<std::string> extras() const;

  struct node;  ///< Implementation detail: the expression tree.

 private:
  explicit marker(std::shared_ptr<const node> root) noexcept : m_root(std::move(root)) {}
  friend struct detail::marker_access;

  std::shared_ptr<const node> m_root;
};

/// Parses each distinct marker text once and hands out the same (immutable, shared) tree
/// afterwards. The metadata of a project's versions repeat the same few markers, which would
/// otherwise be parsed again for every decoded metadata file. Thread-safe; errors are not
/// remembered.
class PYRESOLVE_API marker_memo {
 public:
  /// The memo's own table (texts and entries) lives in `memory`, which must be thread-safe
  /// when the memo is shared between threads and outlive the memo.
  explicit marker_memo(std::pmr::memory_resource* memory = support::default_resource()) : m_markers(memory) {}

  /// `marker::parse(text, memory)`, or the marker an earlier call parsed from the same text
  /// (in the resource of that call).
  [[nodiscard]] result<marker> parse(std::string_view text,
                                     std::pmr::memory_resource* memory = support::default_resource());

 private:
  std::mutex m_mutex;
  std::pmr::unordered_map<std::pmr::string, marker, text_hash, std::equal_to<>> m_markers;
};

}  // namespace pyresolve::packaging
