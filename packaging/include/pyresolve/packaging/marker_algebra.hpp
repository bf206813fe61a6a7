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
/// Not thread-safe: one algebra per thread (a fork of a resolution owns its own, or guards it).

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// A node of one `marker_algebra`: equal ids mean equal functions. Meaningless across algebras.
struct marker_id {
  std::uint32_t index = 0;
  friend bool operator==(marker_id, marker_id) = default;
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

  /// The function's value for `env` and `extra`, as `marker::evaluate` of any marker it came
  /// from (an `invalid_marker` error where that evaluation fails on a version variable).
  [[nodiscard]] result<bool> evaluate(marker_id id, const marker_environment& env,
                                      std::string_view extra = {}) const;

  /// PEP 508 text of the function, short and canonical: the empty string for `always()`,
  /// `python_version < "0"` for `never()`, else a disjunction of conjunctions from which every
  /// clause that the function does not need was dropped; `parse` of it gives back `id`.
  /// `python_version` is written where a bound falls at the start of a release series. An
  /// `invalid_marker` error when a set of `implementation_version`, `platform_release` or
  /// `platform_version` has a bound no PEP 440 specifier expresses (the versions just below a
  /// final release `V` but not its pre-releases, for one), or an opaque atom is negated that
  /// PEP 508 cannot negate (`===`).
  [[nodiscard]] result<std::string> to_string(marker_id id);

  /// Nodes made so far (the two constants included).
  [[nodiscard]] std::size_t size() const noexcept;

  struct state;  ///< Implementation detail.

 private:
  std::unique_ptr<state> m_state;
};

}  // namespace pyresolve::packaging
