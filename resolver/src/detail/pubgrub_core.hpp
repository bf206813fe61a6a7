#pragma once
// The PubGrub core (Natalie Weizenbaum's algorithm, as pubgrub-rs and uv implement it): the
// incompatibility store, the partial solution (assignments, decision levels, the trail), unit
// propagation, and conflict resolution with backjumping. It knows nothing of Python: what a
// version depends on arrives as incompatibilities (the dependency policy adds them), and the
// choice of what to decide next is the decision queue's, which the core only notifies. The
// core owns the package table and the queue (as pubgrub-rs's partial solution holds its
// prioritized packages): its hot loop then reads the table without an indirection.

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <vector>

#include "detail/decision_queue.hpp"
#include "detail/incompatibility.hpp"
#include "detail/package_table.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "term.hpp"

namespace pyresolve::resolver::detail {

struct assignment {
  pkg_id package;
  term value;
  std::uint32_t level;
  incompat_id cause;  // no_cause for a decision
  /// The package's accumulated term after this assignment (pubgrub-rs's
  /// `accumulated_intersection`): satisfier searches and backtracking read it instead of
  /// re-intersecting the package's trail (that re-intersection was 73 % of boto3.in's solve).
  term accum;

  // A constructor rather than C++20's parenthesized aggregate initialization, which clang 14
  // (the fuzz preset) does not implement, so that emplace_back builds in place.
  assignment(pkg_id p, term&& v, std::uint32_t l, incompat_id c, const term& a)
      : package(p), value(std::move(v)), level(l), cause(c), accum(a) {}
  // noexcept although version_ranges' move is not declared so (boost's small_vector; it only
  // moves intervals or steals the block): otherwise a growing trail copies every term.
  assignment(assignment&&) noexcept = default;
  assignment& operator=(assignment&&) noexcept = default;
};

enum class relation : std::uint8_t { satisfied, contradicted, almost, inconclusive };

class pubgrub_core {
 public:
  explicit pubgrub_core(std::pmr::memory_resource* memory);
  pubgrub_core(const pubgrub_core&) = delete;
  pubgrub_core& operator=(const pubgrub_core&) = delete;

  [[nodiscard]] package_table& packages() { return m_packages; }
  [[nodiscard]] decision_queue& queue() { return m_queue; }

  /// Stores an incompatibility; `index` puts it in its packages' watch lists at once.
  incompat_id add_incompat(incompat&& inc, bool index);
  /// Puts a stored incompatibility in its packages' watch lists, once.
  void index_incompat(incompat_id id);
  /// Adds `t` for p to the partial solution: a decision when `cause` is no_cause (a new
  /// decision level), else derived from the incompatibility `cause`.
  void assign(pkg_id p, term&& t, incompat_id cause);
  /// Unit propagation from `start`, resolving the conflicts it meets; a conflict that cannot
  /// be resolved leaves failed() set.
  void propagate(pkg_id start);
  /// Whether deciding p would satisfy `id`, a fresh incompatibility of one of p's versions.
  [[nodiscard]] bool satisfied_by_decision(incompat_id id, pkg_id p) const;

  [[nodiscard]] const std::pmr::vector<incompat>& incompats() const { return m_incompats; }
  [[nodiscard]] incompat& incompat_at(incompat_id id) { return m_incompats[id]; }
  [[nodiscard]] std::optional<incompat_id> failed() const { return m_failed; }
  [[nodiscard]] const solver_stats& stats() const { return m_stats; }

 private:
  relation relate(incompat_id id, pkg_id* unsatisfied) const;
  void backtrack(std::uint32_t level);
  std::optional<incompat_id> resolve_conflict(incompat_id id);

  std::pmr::memory_resource* m_memory;
  package_table m_packages{m_memory};
  decision_queue m_queue{m_packages, m_memory};
  std::pmr::vector<incompat> m_incompats;
  std::pmr::vector<assignment> m_trail;
  std::uint32_t m_level = 0;
  solver_stats m_stats;
  // Scratch of propagate, backtrack and resolve_conflict, none of which re-enters itself:
  // kept, so that a decision's propagation allocates nothing of its own.
  std::pmr::vector<pkg_id> m_changed{m_memory};
  std::pmr::vector<pkg_id> m_dirty{m_memory};
  std::pmr::vector<std::uint32_t> m_satisfier{m_memory};
  std::optional<incompat_id> m_failed;
  // Incompatibilities known contradicted, with the decision level that made them so: they
  // stay contradicted until a backjump below that level, so propagation skips them
  // (pubgrub-rs keeps the same cache). m_contradicted_log lists the ids to reset.
  std::pmr::vector<std::uint32_t> m_contradicted{m_memory};
  std::pmr::vector<incompat_id> m_contradicted_log{m_memory};
};

}  // namespace pyresolve::resolver::detail
