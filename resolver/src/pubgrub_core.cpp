// The PubGrub core: the incompatibility store, the partial solution, unit propagation and
// conflict resolution (see detail/pubgrub_core.hpp).

#include "detail/pubgrub_core.hpp"

#include <algorithm>

namespace pyresolve::resolver::detail {

using packaging::version;

pubgrub_core::pubgrub_core(std::pmr::memory_resource* memory)
    : m_memory(memory), m_incompats(memory), m_trail(memory) {}

incompat_id pubgrub_core::add_incompat(incompat&& inc, bool index) {
  const auto id = static_cast<incompat_id>(m_incompats.size());
  m_incompats.push_back(std::move(inc));
  m_contradicted.push_back(UINT32_MAX);
  if (index) index_incompat(id);
  return id;
}

void pubgrub_core::index_incompat(incompat_id id) {
  incompat& inc = m_incompats[id];
  if (inc.indexed) return;
  inc.indexed = true;
  for (const auto& [p, t] : inc.terms) m_packages[p].incompats.push_back(id);
}

relation pubgrub_core::relate(incompat_id id, pkg_id* unsatisfied) const {
  bool have_unsatisfied = false;
  for (const auto& [p, t] : m_incompats[id].terms) {
    const package_state& s = m_packages[p];
    if (s.trail.empty()) {
      // Nothing is known about p: only the term "any version" is satisfied.
      if (is_none(t)) return relation::contradicted;
      if (is_any(t)) continue;
    } else {
      if (is_disjoint(t, s.accum)) return relation::contradicted;
      if (is_subset(s.accum, t)) continue;
    }
    if (have_unsatisfied) return relation::inconclusive;
    have_unsatisfied = true;
    *unsatisfied = p;
  }
  return have_unsatisfied ? relation::almost : relation::satisfied;
}

void pubgrub_core::assign(pkg_id p, term&& t, incompat_id cause) {
  package_state& s = m_packages[p];
  m_packages.touch(p);
  ++m_stats.assignments;
  if (cause == no_cause) {
    ++m_stats.decisions;
    ++m_level;
    s.decided = true;
    s.decision = t.set.intervals().front().lower.value_or(version{});
  }
  // Spelled as two branches: the conditional operator would copy `t` into a temporary and
  // move it again (set copies were the top cost of assign under callgrind).
  if (s.trail.empty()) {
    s.accum = t;
  } else {
    s.accum = intersect(s.accum, t);
  }
  s.trail.push_back(static_cast<std::uint32_t>(m_trail.size()));
  m_trail.emplace_back(p, std::move(t), m_level, cause, s.accum);
  m_queue.enqueue(p);
}

void pubgrub_core::backtrack(std::uint32_t level) {
  std::pmr::vector<pkg_id>& dirty = m_dirty;  // as m_changed
  dirty.clear();
  while (!m_trail.empty() && m_trail.back().level > level) {
    const assignment& a = m_trail.back();
    package_state& s = m_packages[a.package];
    s.trail.pop_back();
    if (a.cause == no_cause) s.decided = false;
    dirty.push_back(a.package);
    m_trail.pop_back();
  }
  std::sort(dirty.begin(), dirty.end());
  dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
  for (pkg_id p : dirty) {
    package_state& s = m_packages[p];
    s.accum = s.trail.empty() ? any_term() : m_trail[s.trail.back()].accum;
    m_queue.enqueue(p);
  }
  m_level = level;
  std::size_t kept = 0;
  for (incompat_id id : m_contradicted_log) {
    if (m_contradicted[id] <= level) {
      m_contradicted_log[kept++] = id;
    } else {
      m_contradicted[id] = UINT32_MAX;
    }
  }
  m_contradicted_log.resize(kept);
}

// Whether deciding p would satisfy `id`, a fresh incompatibility of one of p's versions: its
// own term for p holds that version by construction, so only the other terms are checked.
bool pubgrub_core::satisfied_by_decision(incompat_id id, pkg_id p) const {
  for (const auto& [q, t] : m_incompats[id].terms) {
    if (q == p) continue;
    const package_state& s = m_packages[q];
    if (s.trail.empty() ? !is_any(t) : !is_subset(s.accum, t)) return false;
  }
  return true;
}

void pubgrub_core::propagate(pkg_id start) {
  std::pmr::vector<pkg_id>& changed = m_changed;  // not reentrant: reused, not reallocated per call
  changed.clear();
  changed.push_back(start);
  while (!changed.empty()) {
    const pkg_id p = changed.back();
    changed.pop_back();
    // Newest incompatibilities first: learned clauses prune the most (pubgrub-rs does the same).
    for (std::size_t n = m_packages[p].incompats.size(); n-- > 0;) {
      const incompat_id id = m_packages[p].incompats[n];
      if (m_contradicted[id] <= m_level) continue;
      pkg_id q = 0;
      relation r = relate(id, &q);
      if (r == relation::contradicted) {
        m_contradicted[id] = m_level;
        m_contradicted_log.push_back(id);
        continue;
      }
      if (r == relation::satisfied) {
        auto learned = resolve_conflict(id);
        if (!learned) return;
        r = relate(*learned, &q);
        if (r != relation::almost) {
          m_failed = *learned;  // unreachable by construction; fail rather than loop
          return;
        }
        for (const auto& [tp, t] : m_incompats[*learned].terms) {
          if (tp == q) {
            assign(q, negate(t), *learned);
            break;
          }
        }
        changed.clear();
        changed.push_back(q);
        break;
      }
      if (r == relation::almost) {
        for (const auto& [tp, t] : m_incompats[id].terms) {
          if (tp == q) {
            assign(q, negate(t), id);
            break;
          }
        }
        // Now contradicted: q's new term is the negation of its term in this incompatibility.
        m_contradicted[id] = m_level;
        m_contradicted_log.push_back(id);
        if (std::find(changed.begin(), changed.end(), q) == changed.end()) changed.push_back(q);
      }
    }
  }
}

// Returns the learned incompatibility after backjumping, or nullopt when the conflict is
// terminal (then m_failed holds the root incompatibility).
std::optional<incompat_id> pubgrub_core::resolve_conflict(incompat_id id) {
  for (;;) {
    if (is_terminal(m_incompats[id])) {
      m_failed = id;
      return std::nullopt;
    }
    // The satisfier of each term: the earliest assignment of its package after which the
    // package's accumulated terms satisfy it.
    const auto& terms = m_incompats[id].terms;
    std::pmr::vector<std::uint32_t>& satisfier = m_satisfier;  // as m_changed
    satisfier.assign(terms.size(), 0);
    std::size_t latest = 0;
    for (std::size_t k = 0; k < terms.size(); ++k) {
      const package_state& s = m_packages[terms[k].first];
      // Accumulated terms only narrow along the trail, so "satisfies the term" is monotone:
      // the first entry that does is found by bisection.
      const auto first_satisfying = std::partition_point(
          s.trail.begin(), s.trail.end(),
          [&](std::uint32_t i) { return !is_subset(m_trail[i].accum, terms[k].second); });
      const bool found = first_satisfying != s.trail.end();
      if (found) satisfier[k] = *first_satisfying;
      if (!found) {
        m_failed = id;  // not satisfied: a bug; stop rather than loop
        return std::nullopt;
      }
      if (satisfier[k] > satisfier[latest]) latest = k;
    }
    const pkg_id p = terms[latest].first;
    const assignment& sat = m_trail[satisfier[latest]];
    std::uint32_t previous_level = 1;
    for (std::size_t k = 0; k < terms.size(); ++k) {
      if (k != latest) previous_level = std::max(previous_level, m_trail[satisfier[k]].level);
    }
    // The previous satisfier of p's term: the earliest earlier assignment of p that, together
    // with the satisfier, satisfies the term.
    if (!is_subset(sat.value, terms[latest].second)) {
      // Monotone along the trail as well (the accumulated terms narrow): bisection again.
      const auto& trail = m_packages[p].trail;
      const auto end = std::lower_bound(trail.begin(), trail.end(), satisfier[latest]);
      const auto found = std::partition_point(trail.begin(), end, [&](std::uint32_t i) {
        return !is_subset(intersect(sat.value, m_trail[i].accum), terms[latest].second);
      });
      if (found != end) previous_level = std::max(previous_level, m_trail[*found].level);
    }
    // A learned clause of one term is a fact about p that holds whatever was decided, so it
    // needs no earlier decision undone: undoing the satisfier's level is enough for it to be
    // almost satisfied, and propagation then derives its negation at the level below. PubGrub
    // as written jumps back to level 1 instead, and every decision after it is then made again,
    // nearly always the same way: on the top-1,000 list, 68 of 126 backjumps went to level 1
    // and the solver made 28,830 decisions. Backtracking chronologically for these clauses
    // (CDCL solvers do the same) took that to 14,394, with the same pins. The invariants PubGrub
    // needs still hold: levels stay monotone along the trail, and the clause stays in p's list,
    // so it is derived again after any later backjump below that level as soon as p is touched.
    if (terms.size() == 1 && sat.level > 1) previous_level = std::max(previous_level, sat.level - 1);
    ++m_packages[p].conflicts;
    m_queue.conflict_counted(p);
    if (sat.cause == no_cause || previous_level != sat.level) {
      if (previous_level < m_level) ++m_stats.backjumps;
      backtrack(previous_level);
      index_incompat(id);
      return id;
    }
    // Resolve with the satisfier's cause: p's terms unite, the others intersect.
    const incompat_id cause = sat.cause;
    incompat derived(m_memory);
    derived.kind = cause_kind::derived;
    derived.cause1 = id;
    derived.cause2 = cause;
    term p_term = terms[latest].second;
    for (const auto& [q, t] : terms) {
      if (q != p) derived.terms.emplace_back(q, t);
    }
    for (const auto& [q, t] : m_incompats[cause].terms) {
      if (q == p) {
        p_term = unite(p_term, t);
        continue;
      }
      auto it = std::find_if(derived.terms.begin(), derived.terms.end(),
                             [q = q](const auto& e) { return e.first == q; });
      if (it == derived.terms.end()) {
        derived.terms.emplace_back(q, t);
      } else {
        it->second = intersect(it->second, t);
      }
    }
    if (!is_any(p_term)) derived.terms.emplace_back(p, std::move(p_term));
    id = add_incompat(std::move(derived), false);
  }
}

}  // namespace pyresolve::resolver::detail
