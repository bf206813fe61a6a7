// PubGrub (Natalie Weizenbaum's algorithm, as pubgrub-rs and uv implement it) over interned
// package ids, for Python packages. One solver per resolve; every container draws from the
// options' resource. The parts, each under detail/:
//   pubgrub_core       incompatibilities, the partial solution, propagation, conflicts;
//   dependency_policy  a version's requirements (markers, extras, constraints, overrides,
//                      pins) as incompatibilities;
//   decision_queue     which package to decide next;
//   version_selector   which version of it (preferences, strategy, pre-releases, yanked);
//   report             the explanation of a failure.
// This file holds the main loop that drives them and writes the answer.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/candidates.hpp"
#include "detail/decision_queue.hpp"
#include "detail/dependency_policy.hpp"
#include "detail/fork.hpp"
#include "detail/package_table.hpp"
#include "detail/pubgrub_core.hpp"
#include "detail/report.hpp"
#include "detail/version_selector.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::resolver {
namespace detail {
namespace {

using packaging::version;

class solver {
 public:
  solver(std::span<const packaging::requirement> requirements, const resolve_options& options,
         provider& source, fork_context* fork = nullptr)
      : m_options(options),
        m_fork(fork),
        m_memory(options.memory),
        m_core(options.memory),
        m_packages(m_core.packages()),
        m_queue(m_core.queue()),
        m_selector(m_packages, options, source, m_root_version, m_unreadable),
        m_policy(requirements, options, source, m_packages, m_core, m_queue, m_unreadable, fork) {}

  result<resolution, resolve_failure> run();
  /// The requirement edges among the decided packages (after a successful `run`).
  std::vector<fork_edge> edges() const;

 private:
  resolution build_resolution() const;

  const resolve_options& m_options;
  fork_context* m_fork;
  std::pmr::memory_resource* m_memory;
  version m_root_version;
  // The first read the provider failed (errc::io_error): the run stops with it rather than
  // answer without that version or project.
  std::optional<std::string> m_unreadable;
  pubgrub_core m_core;
  package_table& m_packages;  // the core's
  decision_queue& m_queue;    // the core's
  version_selector m_selector;
  dependency_policy m_policy;
};

result<resolution, resolve_failure> solver::run() {
  m_packages.intern("", {});  // the root
  m_packages.touch(root_id);
  {
    incompat not_root(m_memory);
    not_root.terms.emplace_back(root_id, term{false, version_ranges::singleton(m_root_version, m_memory)});
    not_root.kind = cause_kind::root;
    m_core.add_incompat(std::move(not_root), true);
  }
  pkg_id next = root_id;
  for (;;) {
    m_core.propagate(next);
    if (m_unreadable)
      return unexpected(resolve_failure{resolve_failure::kind::unreadable, *m_unreadable, {}, {}, {}});
    if (const auto failed = m_core.failed())
      return unexpected(report(m_packages, m_core.incompats(), m_options).failure(*failed));
    auto chosen = m_queue.choose();
    if (!chosen) {
      if (m_unreadable)
        return unexpected(resolve_failure{resolve_failure::kind::unreadable, *m_unreadable, {}, {}, {}});
      return build_resolution();
    }
    next = *chosen;
    auto v = m_selector.choose(next);
    // uv's `requires-python` fork strategy: the version the solver would take but for its
    // Requires-Python splits the fork's Python range at what that version needs.
    if (m_fork != nullptr && next != root_id) {
      if (auto ideal = m_selector.choose(next, true); ideal && ideal != v) {
        const auto& cands = m_packages[next].candidates;
        const auto pos = first_not_below(cands, *ideal);
        if (pos != cands.end() && pos->version == *ideal && pos->requires_python != nullptr) {
          if (auto lowest = python_lower_bound(*pos->requires_python)) m_fork->split_at_python(*lowest);
        }
        if (m_fork->split_requested()) return resolution{};
      }
    }
    if (!v) {
      incompat inc(m_memory);
      inc.terms.emplace_back(next, term{true, m_packages[next].accum.set});
      inc.kind = cause_kind::no_versions;
      m_core.add_incompat(std::move(inc), true);
      continue;
    }
    const auto known = static_cast<incompat_id>(m_core.incompats().size());
    if (!m_policy.add_dependencies(next, *v)) continue;
    // A universal resolution forks here: the driver solves each side from the start.
    if (m_fork != nullptr && (m_fork->split_requested() || m_fork->exhausted())) return resolution{};
    // pubgrub-rs's rule: a version whose new dependency incompatibilities the partial solution
    // already satisfies is not decided; propagating from `next` then rules it out at this
    // level. Deciding it anyway turned each such version into a conflict that backjumps past
    // every later decision (the top-1,000 list tried 938 awscli versions, each undoing ~300
    // decisions that were then made again).
    bool contradicted = false;
    for (auto id = known; id < m_core.incompats().size() && !contradicted; ++id) {
      contradicted = m_core.incompats()[id].indexed && m_core.satisfied_by_decision(id, next);
    }
    if (contradicted) continue;
    m_core.assign(next, term{true, version_ranges::singleton(*v, m_memory)}, no_cause);
  }
}

resolution solver::build_resolution() const {
  resolution out;
  // The output entry of each decided base package, by id: a name and its base package's id
  // name the same entry (intern keys packages by name).
  constexpr std::size_t none = SIZE_MAX;
  std::pmr::vector<std::size_t> where(m_packages.size(), none, m_memory);
  for (pkg_id p : m_packages.order()) {
    const package_state& s = m_packages[p];
    if (p == root_id || !s.decided || s.base != p) continue;
    where[p] = out.packages.size();
    out.packages.push_back(resolved_package{std::string(s.name), s.decision, {}, {}});
  }
  for (pkg_id p : m_packages.order()) {
    const package_state& s = m_packages[p];
    if (!s.decided) continue;
    if (s.base != p && where[s.base] != none) out.packages[where[s.base]].extras.emplace_back(s.extra);
    for (const dep_record& r : s.deps) {
      if (r.at != s.decision) continue;
      for (pkg_id q : r.children) {
        const package_state& c = m_packages[q];
        if (!c.decided || c.name == s.name) continue;
        if (where[c.base] != none) out.packages[where[c.base]].parents.emplace_back(s.name);
      }
    }
  }
  for (auto& rp : out.packages) {
    for (auto* list : {&rp.extras, &rp.parents}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
  }
  std::sort(out.packages.begin(), out.packages.end(),
            [](const resolved_package& a, const resolved_package& b) { return a.name < b.name; });
  for (const auto& [p, v] : m_policy.unknown_extras()) {
    const package_state& s = m_packages[p];
    if (!s.decided || s.decision != v) continue;
    out.warnings.push_back("The package `" + std::string(s.name) + "==" + v.to_string() +
                           "` does not have an extra named `" + std::string(s.extra) + "`");
  }
  std::sort(out.warnings.begin(), out.warnings.end());
  out.warnings.erase(std::unique(out.warnings.begin(), out.warnings.end()), out.warnings.end());
  out.stats = m_core.stats();
  out.stats.incompatibilities = m_core.incompats().size();
  return out;
}

std::vector<fork_edge> solver::edges() const {
  std::vector<fork_edge> out;
  for (pkg_id p : m_packages.order()) {
    const package_state& s = m_packages[p];
    if (!s.decided) continue;
    for (const dep_record& r : s.deps) {
      if (r.at != s.decision) continue;
      for (std::size_t i = 0; i < r.children.size(); ++i) {
        const package_state& c = m_packages[r.children[i]];
        if (!c.decided) continue;
        out.push_back(fork_edge{std::string(s.name), std::string(s.extra), std::string(c.name),
                                std::string(c.extra), r.conditions[i]});
      }
    }
  }
  return out;
}

}  // namespace

fork_outcome solve_in_fork(std::span<const packaging::requirement> requirements,
                           const resolve_options& options, provider& source, fork_context& fork) {
  fork_outcome out;
  solver s(requirements, options, source, &fork);
  out.answer = s.run();
  if (fork.exhausted()) {
    out.answer = unexpected(resolve_failure{
        resolve_failure::kind::invalid_input,
        "the markers of the requirements are too complex to resolve for every environment (more than " +
            std::to_string(packaging::marker_algebra::max_nodes) + " decision nodes or " +
            std::to_string(packaging::marker_algebra::max_variables) + " distinct conditions)",
        {},
        {},
        {}});
  } else if (fork.split_requested()) {
    out.split = fork.split();
  } else if (out.answer) {
    out.edges = s.edges();
  }
  return out;
}

}  // namespace detail

result<resolution, resolve_failure> resolve(std::span<const packaging::requirement> requirements,
                                            const resolve_options& options, provider& source) {
  for (const auto& req : requirements) {
    if (!packaging::is_valid_name(req.name)) {
      return unexpected(resolve_failure{resolve_failure::kind::invalid_input,
                                        "invalid requirement name '" + std::string(req.name) + "'",
                                        {},
                                        {},
                                        {}});
    }
  }
  if (options.universal) return detail::resolve_universal(requirements, options, source);
  detail::solver s(requirements, options, source);
  return s.run();
}

}  // namespace pyresolve::resolver
