#pragma once
// Which package to decide next (candidate selection's first half): packages the partial
// solution requires and has not decided, by priority class, then in first-seen order. The
// core tells the queue whenever a package may have become undecided-and-required, or had
// another conflict; nothing else of selection reaches the core.

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <vector>

#include "detail/package_table.hpp"

namespace pyresolve::resolver::detail {

// After this many conflicts a package is decided before the rest, as uv learned: deciding a
// package that keeps conflicting early prunes the search the most.
constexpr std::uint32_t conflict_boost_threshold = 5;

class decision_queue {
 public:
  decision_queue(package_table& packages, std::pmr::memory_resource* memory)
      : m_packages(packages), m_queue(memory) {}

  /// Called whenever p may have become undecided-and-required or changed class.
  void enqueue(pkg_id p) {
    package_state& s = m_packages[p];
    if (s.decided || s.trail.empty() || !s.accum.positive) return;
    const std::uint8_t cls = priority_class(p);
    if (s.queued_class == cls) return;
    s.queued_class = cls;
    m_queue.push_back(entry{cls, s.first_seen, p});
    std::push_heap(m_queue.begin(), m_queue.end(), after);
  }

  /// Called after the core counted a conflict of p's (package_state::conflicts).
  void conflict_counted(pkg_id p) {
    if (m_packages[p].conflicts == conflict_boost_threshold) enqueue(p);
  }

  /// The next package to decide, or nullopt when every required package is decided.
  std::optional<pkg_id> choose() {
    while (!m_queue.empty()) {
      const entry top = m_queue.front();
      package_state& s = m_packages[top.package];
      const bool live = s.queued_class == top.cls;
      if (live && !s.decided && !s.trail.empty() && s.accum.positive) return top.package;
      std::pop_heap(m_queue.begin(), m_queue.end(), after);
      m_queue.pop_back();
      if (live) s.queued_class = 0xff;
    }
    return std::nullopt;
  }

 private:
  // Candidates for the next decision, a min-heap on (class, first seen) with lazy deletion:
  // an entry is live while its class matches the package's queued_class. A linear scan over
  // every package per decision dominated large solves.
  struct entry {
    std::uint8_t cls;
    std::uint32_t first_seen;
    pkg_id package;
  };
  static bool after(const entry& a, const entry& b) {
    return a.cls != b.cls ? a.cls > b.cls : a.first_seen > b.first_seen;
  }
  // Pinned packages (and the root) first, then those that keep conflicting, then the rest.
  std::uint8_t priority_class(pkg_id p) const {
    const package_state& s = m_packages[p];
    if (p == root_id || s.pinned) return 0;
    if (s.conflicts >= conflict_boost_threshold) return 1;
    return 2;
  }

  package_table& m_packages;
  std::pmr::vector<entry> m_queue;
};

}  // namespace pyresolve::resolver::detail
