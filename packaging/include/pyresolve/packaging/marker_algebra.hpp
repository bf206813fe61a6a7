#pragma once
/// @file
/// Markers as boolean functions: a reduced, ordered decision diagram over the marker
/// variables, so that equivalent markers have the same node (a canonical form), `and`, `or`
/// and `not` are closed, and disjointness and implication are node comparisons. This is what
/// a universal resolution forks on: two requirements with disjoint markers never apply
/// together, and a fork's marker is written back as short PEP 508 text.
///
/// Decision variables, in this order (each a level of the diagram):
/// - `python_full_version`, a partition of the Python releases. Python versions compare by
///   their release only, as uv compares them: an interpreter `3.13.0rc1` counts as `3.13.0`,
///   where `packaging` would put it below `3.13` (the one place where `evaluate` may differ
///   from `marker::evaluate`). Every set is then a union of intervals between releases, which
///   PEP 508 can always write. `python_version` folds into it: `python_version op "X.Y"` is
///   the union of the series `[A.B, A.(B+1))` whose `A.B` satisfies it, which is exact
///   whenever `python_version` is the first two numbers of `python_full_version`, as in every
///   real environment;
/// - the string variables (`implementation_name`, `os_name`, `platform_machine`,
///   `platform_python_implementation`, `platform_system`, `sys_platform`, and the string
///   comparisons of `platform_release`, `platform_version`, `implementation_version`): a
///   finite map from values to children plus a child for every other value, for `==`/`!=`
///   with a literal that is not a version;
/// - the version comparisons of `implementation_version`, `platform_release` and
///   `platform_version` (PEP 440 semantics, as `packaging` applies when the literal is a
///   version): a partition of the version line each;
/// - `extra` (`==`/`!=`, names normalized);
/// - every other atom (`in`, `not in`, string ordering, a literal on the left, a specifier
///   that version ranges cannot express exactly) as a boolean variable of its own, keyed by
///   its normalized text and evaluated as `packaging` does.
/// Atoms of different variables are treated as independent, so the canonical form is exact
/// for the first four kinds and conservative across opaque atoms (`"linux" in sys_platform`
/// and `sys_platform == "linux"` are not known to be related), as in uv.
///
/// Bounded: markers come from indexes, and a hostile one could make a diagram exponential. An
/// algebra holds at most `max_nodes` nodes over `max_variables` variables (which also bounds
/// the depth of every recursion), and `to_string` writes at most `max_clauses` clauses; past
/// that it is `exhausted()` and every id it returns means nothing.
///
/// Not thread-safe: one algebra per thread (a fork of a resolution owns its own, or guards it).

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// A node of one `marker_algebra`: equal ids mean equal functions. Meaningless across algebras.
struct marker_id {
  std::uint32_t index = 0;
  friend bool operator==(marker_id, marker_id) = default;
};

/// How `marker_algebra::to_string` writes a bound at the start of a Python release series.
enum class python_spelling : std::uint8_t {
  series,        ///< `python_version >= "3.10"`, `python_version == "3.10"`
  full_version,  ///< `python_full_version >= "3.10"`, `python_full_version == "3.10.*"` (uv's)
};

class PYRESOLVE_API marker_algebra {
 public:
  /// Nodes, variables and memo tables live in `memory`.
  explicit marker_algebra(std::pmr::memory_resource* memory = support::default_resource());
  ~marker_algebra();
  marker_algebra(const marker_algebra&) = delete;
  marker_algebra& operator=(const marker_algebra&) = delete;

  /// True in every environment (the empty marker).
  [[nodiscard]] static constexpr marker_id always() noexcept { return {1}; }
  /// False in every environment.
  [[nodiscard]] static constexpr marker_id never() noexcept { return {0}; }

  /// The function of a parsed marker.
  [[nodiscard]] marker_id from(const marker& m);
  /// `from(marker::parse(text))`; blank text is `always()`, as to_string writes it.
  [[nodiscard]] result<marker_id> parse(std::string_view text);

  [[nodiscard]] marker_id conjunction(marker_id a, marker_id b);
  [[nodiscard]] marker_id disjunction(marker_id a, marker_id b);
  [[nodiscard]] marker_id negation(marker_id a);

  /// No environment satisfies both.
  [[nodiscard]] bool is_disjoint(marker_id a, marker_id b) { return conjunction(a, b) == never(); }
  /// Every environment that satisfies `a` satisfies `b`.
  [[nodiscard]] bool implies(marker_id a, marker_id b) { return conjunction(a, negation(b)) == never(); }

  /// The function once `extra` is known (`""`: no extra): every `extra` test decided, the
  /// rest left as it is. Given the extra of the package a requirement belongs to, this is
  /// the requirement's condition on the environment alone.
  [[nodiscard]] marker_id with_extra(marker_id id, std::string_view extra);

  /// The same function on the Pythons from `lowest` up, free below: the Python bounds that
  /// every environment at or above `lowest` satisfies are dropped (with `lowest` 3.9,
  /// `python_full_version >= "3.9" and sys_platform == "linux"` becomes `sys_platform ==
  /// "linux"`). What a lock whose `requires-python` is `>=lowest` writes.
  [[nodiscard]] marker_id assuming_python_from(marker_id id, const version& lowest);

  /// The lowest Python release some environment satisfying `id` runs (`0` when the function
  /// puts no lower bound on Python); nullopt for `never()`.
  [[nodiscard]] std::optional<version> lowest_python(marker_id id) const;

  /// The function's value for `env` and `extra`, as `marker::evaluate` of any marker it came
  /// from (an `invalid_marker` error where that evaluation fails on a version variable).
  [[nodiscard]] result<bool> evaluate(marker_id id, const marker_environment& env,
                                      std::string_view extra = {}) const;

  /// PEP 508 text of the function, short and canonical: the empty string for `always()`,
  /// `python_version < "0"` for `never()` (`python_full_version < "0"` in uv's spelling), else a disjunction
  /// of conjunctions from which every clause that the function does not need was dropped; `parse` of it gives
  /// back `id`. `python_version` is written where a bound falls at the start of a release series. An
  /// `invalid_marker` error when a set of `implementation_version`, `platform_release` or
  /// `platform_version` has a bound no PEP 440 specifier expresses (the versions just below a
  /// final release `V` but not its pre-releases, for one), or an opaque atom is negated that
  /// PEP 508 cannot negate (`===`).
  /// With `python_spelling::full_version`, every Python bound is written on
  /// `python_full_version`, as uv writes markers: `python_full_version >= "3.10"`,
  /// `python_full_version == "3.10.*"` where `series` writes `python_version`.
  [[nodiscard]] result<std::string> to_string(marker_id id,
                                              python_spelling spelling = python_spelling::series);

  /// Nodes made so far (the two constants included).
  [[nodiscard]] std::size_t size() const noexcept;

  static constexpr std::size_t max_nodes = std::size_t{1} << 18;
  static constexpr std::size_t max_variables = 512;
  static constexpr std::size_t max_clauses = 4096;
  /// An operation went past a bound: the ids it and every later operation returned are
  /// meaningless (`never()`), and `to_string` fails. Callers check it after building.
  [[nodiscard]] bool exhausted() const noexcept;

  struct state;  ///< Implementation detail.

 private:
  std::unique_ptr<state> m_state;
};

}  // namespace pyresolve::packaging
