#pragma once
// One fork of a universal resolution: the set of environments it resolves for, as the
// universe's marker and the literals its splits added (each a requirement's marker, decided
// for the extra it was read under, or that marker's complement). The dependency policy asks
// the fork whether a requirement can apply in it and tells it where the environments must
// split; the solver stops there, and the universal driver solves each side on its own.

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pyresolve/packaging/marker_algebra.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::resolver::detail {

/// A requirement's marker (read for `extra`; `""`: the base package) or, when `!holds`, its
/// complement. The marker belongs to a requirement the provider or the caller keeps alive, or
/// to the literal itself (`owned`: the Python bound of a Requires-Python split).
struct fork_literal {
  const packaging::marker* marker = nullptr;
  std::string extra;
  bool holds = true;
  std::shared_ptr<const packaging::marker> owned{};
};

/// The literals one side of a split adds to the fork's own.
using fork_split = std::vector<std::vector<fork_literal>>;

class fork_context {
 public:
  /// `universe`: the environments of the whole resolution (nullptr: every environment).
  fork_context(const packaging::marker* universe, std::span<const fork_literal> literals);

  /// Whether a requirement whose marker is `m`, read for `extra`, applies in some environment
  /// of this fork.
  [[nodiscard]] bool possible(const packaging::marker& m, std::string_view extra);
  /// The environments of this fork in which `m`, read for `extra`, holds.
  [[nodiscard]] packaging::marker_id within(const packaging::marker& m, std::string_view extra);

  /// The lowest Python of this fork's environments (what Requires-Python is checked against).
  [[nodiscard]] const packaging::version& lowest_python() const noexcept { return m_lowest_python; }
  /// The fork admits no environment at all (its literals contradict the universe).
  [[nodiscard]] bool empty() const noexcept { return m_environment == packaging::marker_algebra::never(); }

  /// Records the split of this fork that the requirements `group` (one package's, read for
  /// `extra`) call for: each requirement whose marker holds in part of the fork, but not all
  /// of it, cuts every side in two. Nothing when no side would be cut. The first split
  /// recorded wins; the solver stops at it.
  void split_on(std::span<const packaging::requirement* const> group, std::string_view extra);
  /// Records the split of this fork at Python `lowest` (uv's `requires-python` fork strategy:
  /// the version the solver would take needs that Python, so the environments from `lowest` up
  /// take it and the others go on without it), the lower side first (so the upper side's
  /// choices take precedence, see universal.cpp). Nothing when the fork does not reach both
  /// sides of `lowest`.
  void split_at_python(const packaging::version& lowest);
  [[nodiscard]] bool split_requested() const noexcept { return m_split.has_value(); }
  /// The markers met so far went past the algebra's bounds (a hostile index): whatever this
  /// fork answers is meaningless, and the solve must stop.
  [[nodiscard]] bool exhausted() const noexcept { return m_algebra.exhausted(); }
  [[nodiscard]] const fork_split& split() const { return *m_split; }

 private:
  packaging::marker_id of(const packaging::marker& m, std::string_view extra);

  packaging::marker_algebra m_algebra;
  packaging::marker_id m_environment = packaging::marker_algebra::always();
  packaging::version m_lowest_python;
  std::unordered_map<const packaging::marker*, std::vector<std::pair<std::string, packaging::marker_id>>>
      m_memo;
  std::optional<fork_split> m_split;
};

/// A requirement edge of a fork's resolution: `from` (an empty name: the user's
/// requirements) needs `to`, where `condition` holds, read for `from_extra`.
struct fork_edge {
  std::string from;
  std::string from_extra;
  std::string to;
  std::string to_extra;
  const packaging::marker* condition = nullptr;  ///< nullptr: unconditional
};

/// What one fork's solve gave: the answer (a failure, or the resolution with its requirement
/// edges), or the split it stopped at.
struct fork_outcome {
  result<resolution, resolve_failure> answer = resolution{};
  std::vector<fork_edge> edges;
  std::optional<fork_split> split;
};

/// Solves `requirements` in one fork (solver.cpp).
[[nodiscard]] fork_outcome solve_in_fork(std::span<const packaging::requirement> requirements,
                                         const resolve_options& options, provider& source,
                                         fork_context& fork);

/// `resolve` with `options.universal` set (universal.cpp).
[[nodiscard]] result<resolution, resolve_failure> resolve_universal(
    std::span<const packaging::requirement> requirements, const resolve_options& options, provider& source);

/// The lowest Python that Requires-Python `spec` admits by its lower bounds (`>=`, `>`, `~=`,
/// `==`), nullopt when it has none.
[[nodiscard]] std::optional<packaging::version> python_lower_bound(const packaging::specifier_set& spec);

}  // namespace pyresolve::resolver::detail
