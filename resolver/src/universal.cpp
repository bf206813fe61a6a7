// Universal resolution: forks solved one by one, their answers merged with markers.
//
// A fork is the universe's marker plus the literals of the splits that led to it. Solving a
// fork either answers or stops at the first version whose requirements on one package cut the
// fork's environments (uv's rule); each side is then solved from the start, so what the solver
// decided before the split is decided again for that side alone (uv clones the solver's state
// instead; both filter every requirement by the side's environments). The leaves are taken in
// a fixed order (a split's sides in the order of the requirements that cut them, the side
// where a marker holds first), which makes the answer independent of timing. With a
// concurrent provider the sides of a split are solved at once, as oneTBB tasks in an arena of
// `options.threads`; each side writes its own slot, read in order once all are done.
//
// Preferences across forks: once every leaf has an answer, each package's version in the last
// leaf that has it becomes a preference (after the user's own), and every leaf that chose
// otherwise is solved again with them, so that the forks agree wherever they can. uv solves
// its forks one after another from a stack, the last side made first, each preferring what
// the ones before chose: the last leaf here is the first one uv solves. Taking the
// preferences from the first round lets the second run in parallel too.
//
// Merging: in each leaf, the marker of every pinned package is where the user's requirements
// reach it, along requirement edges whose markers are read for the extra of the package that
// has them (a fixed point: the graph may have cycles); a version's marker is the union over
// the leaves that pin it, written for the universe's lowest Python.

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>

#include "detail/fork.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/support/tsan.hpp"

namespace pyresolve::resolver::detail {
namespace {

using packaging::marker_algebra;
using packaging::marker_id;
using packaging::version;

/// What ThreadSanitizer is told the fork tasks synchronize on (see `solve_all`).
int fork_handoff = 0;

/// A hostile index can make every version split its fork; past this many leaves the
/// resolution stops with an error rather than grow without bound.
constexpr std::size_t max_forks = 256;

/// The provider as one fork sees it: Requires-Python checked against the fork's lowest Python.
class fork_provider final : public provider {
 public:
  fork_provider(provider& inner, const version& lowest) : m_inner(inner), m_lowest(lowest) {}

  result<std::span<const candidate>> versions(std::string_view name) override {
    auto got = m_inner.versions(name);
    if (!got) return got;
    auto [it, fresh] = m_candidates.try_emplace(std::string(name));
    if (fresh) {
      it->second.assign(got->begin(), got->end());
      for (candidate& c : it->second)
        if (c.requires_python != nullptr)
          c.requires_python_ok = c.requires_python->admits_python_from(m_lowest);
    }
    return std::span<const candidate>(it->second);
  }
  result<std::span<const packaging::requirement>> dependencies(std::string_view name,
                                                               const version& v) override {
    return m_inner.dependencies(name, v);
  }
  result<std::span<const packaging::requirement>> dependencies_without_extra_only(std::string_view name,
                                                                                  const version& v) override {
    return m_inner.dependencies_without_extra_only(name, v);
  }
  void prefetch(std::string_view name) override { m_inner.prefetch(name); }

 private:
  provider& m_inner;
  version m_lowest;
  std::unordered_map<std::string, std::vector<candidate>> m_candidates;
};

/// `universe` and every literal, in `algebra`: a fork's environments.
marker_id conjoined(marker_algebra& algebra, marker_id universe, const std::vector<fork_literal>& literals) {
  marker_id out = universe;
  for (const fork_literal& l : literals) {
    const marker_id m = algebra.with_extra(algebra.from(*l.marker), l.extra);
    out = algebra.conjunction(out, l.holds ? m : algebra.negation(m));
  }
  return out;
}

/// PEP 508 text with single-quoted values, as uv writes markers, unless a value has a `'`.
std::string single_quoted(std::string text) {
  if (text.find('\'') == std::string::npos) std::replace(text.begin(), text.end(), '"', '\'');
  return text;
}

struct leaf {
  std::vector<fork_literal> literals;
  fork_outcome outcome;
};

class universal_driver {
 public:
  universal_driver(std::span<const packaging::requirement> requirements, const resolve_options& options,
                   provider& source)
      : m_requirements(requirements), m_options(options), m_source(source) {}

  result<resolution, resolve_failure> run();

 private:
  /// Solves the fork of `literals` and every fork it splits into, appending the leaves.
  std::optional<resolve_failure> solve_tree(const std::vector<fork_literal>& literals,
                                            const resolve_options& options, std::vector<leaf>& out);
  /// `solve_tree` of each of `forks`, at once when the provider allows, appending the leaves of
  /// each in turn; the first failure in that order.
  std::optional<resolve_failure> solve_all(const std::vector<std::vector<fork_literal>>& forks,
                                           const std::vector<const resolve_options*>& options,
                                           std::vector<std::vector<leaf>>& out);
  static resolve_failure too_many_forks();
  /// The fork's environments as text, for an explanation.
  std::string describe(const std::vector<fork_literal>& literals);
  result<resolution, resolve_failure> merge(std::vector<leaf>& leaves);

  std::span<const packaging::requirement> m_requirements;
  const resolve_options& m_options;
  provider& m_source;
  std::atomic<std::uint64_t> m_solves{0};
  std::atomic<std::size_t> m_leaves{0};
  tbb::task_arena m_arena{m_options.threads == 0 ? tbb::task_arena::automatic
                                                 : static_cast<int>(m_options.threads)};
};

resolve_failure universal_driver::too_many_forks() {
  return resolve_failure{
      resolve_failure::kind::invalid_input,
      "the requirements split the environments into more than " + std::to_string(max_forks) + " forks",
      {},
      {},
      {}};
}

std::optional<resolve_failure> universal_driver::solve_all(
    const std::vector<std::vector<fork_literal>>& forks, const std::vector<const resolve_options*>& options,
    std::vector<std::vector<leaf>>& out) {
  out.assign(forks.size(), {});
  std::vector<std::optional<resolve_failure>> failed(forks.size());
  if (forks.size() > 1 && m_source.concurrent() && m_options.threads != 1) {
    // Each task writes only its own slots; the group's wait orders them before the reads.
    // (ThreadSanitizer cannot see oneTBB's own synchronization: the hand-offs are announced on
    // one global address, which a task acquires before it reads its captures.)
    m_arena.execute([&] {
      tbb::task_group group;
      for (std::size_t i = 0; i < forks.size(); ++i) {
        tsan_release(&fork_handoff);
        group.run([&, i] {
          tsan_acquire(&fork_handoff);
          failed[i] = solve_tree(forks[i], *options[i], out[i]);
          tsan_release(&fork_handoff);
        });
      }
      group.wait();
    });
    tsan_acquire(&fork_handoff);
  } else {
    for (std::size_t i = 0; i < forks.size(); ++i) {
      failed[i] = solve_tree(forks[i], *options[i], out[i]);
      if (failed[i]) break;
    }
  }
  for (auto& f : failed)
    if (f) return std::move(f);
  return std::nullopt;
}

std::string universal_driver::describe(const std::vector<fork_literal>& literals) {
  marker_algebra algebra;
  const marker_id universe =
      m_options.universal ? algebra.from(*m_options.universal) : marker_algebra::always();
  const marker_id fork = conjoined(algebra, universe, literals);
  const auto lowest = algebra.lowest_python(universe);
  auto text = algebra.to_string(lowest ? algebra.assuming_python_from(fork, *lowest) : fork,
                                packaging::python_spelling::full_version);
  return text ? single_quoted(std::move(*text)) : std::string("an environment PEP 508 cannot write");
}

std::optional<resolve_failure> universal_driver::solve_tree(const std::vector<fork_literal>& literals,
                                                            const resolve_options& options,
                                                            std::vector<leaf>& out) {
  fork_context fork(m_options.universal ? &*m_options.universal : nullptr, literals);
  if (fork.empty()) return std::nullopt;  // no environment left: nothing to install there
  fork_provider source(m_source, fork.lowest_python());
  // The preferences meant for environments of this fork (pins of an earlier universal answer).
  const bool scoped = std::any_of(options.preferences.begin(), options.preferences.end(),
                                  [](const preference& p) { return p.marker.has_value(); });
  resolve_options in_fork;
  if (scoped) {
    in_fork = options;
    in_fork.preferences.clear();
    for (const preference& p : options.preferences)
      if (!p.marker || fork.possible(*p.marker, "")) in_fork.preferences.push_back(p);
  }
  fork_outcome got = solve_in_fork(m_requirements, scoped ? in_fork : options, source, fork);
  ++m_solves;
  if (got.split) {
    std::vector<std::vector<fork_literal>> sides;
    for (const auto& side : *got.split) {
      sides.push_back(literals);
      sides.back().insert(sides.back().end(), side.begin(), side.end());
    }
    std::vector<std::vector<leaf>> parts;
    if (auto failed = solve_all(sides, std::vector<const resolve_options*>(sides.size(), &options), parts))
      return failed;
    for (auto& part : parts) std::move(part.begin(), part.end(), std::back_inserter(out));
    return std::nullopt;
  }
  if (!got.answer) {
    resolve_failure failure = std::move(got.answer).error();
    if (!literals.empty() && failure.what == resolve_failure::kind::unsatisfiable)
      failure.explanation = "In the split where " + describe(literals) + ":\n" + failure.explanation;
    return failure;
  }
  if (++m_leaves > max_forks) return too_many_forks();
  out.push_back(leaf{literals, std::move(got)});
  return std::nullopt;
}

result<resolution, resolve_failure> universal_driver::run() {
  std::vector<leaf> leaves;
  if (auto failed = solve_tree({}, m_options, leaves)) return unexpected(std::move(*failed));
  if (leaves.size() < 2) return merge(leaves);
  // Each package's version in the last leaf that has it, and the leaves that chose another.
  std::map<std::string, version, std::less<>> chosen;
  for (auto l = leaves.rbegin(); l != leaves.rend(); ++l)
    for (const auto& p : l->outcome.answer->packages) chosen.emplace(p.name, p.version);
  std::vector<std::size_t> redo;
  for (std::size_t i = 0; i + 1 < leaves.size(); ++i) {
    const auto& packages = leaves[i].outcome.answer->packages;
    if (std::any_of(packages.begin(), packages.end(),
                    [&](const resolved_package& p) { return chosen.find(p.name)->second != p.version; }))
      redo.push_back(i);
  }
  if (redo.empty()) return merge(leaves);
  resolve_options again = m_options;
  again.preferences.clear();
  if (!m_options.upgrade) {
    std::string storage;
    for (const auto& pref : m_options.preferences) {
      const std::string_view name = packaging::normalized_name(pref.name, storage);
      if (std::find(m_options.upgrade_packages.begin(), m_options.upgrade_packages.end(), name) ==
          m_options.upgrade_packages.end())
        again.preferences.push_back(pref);
    }
  }
  for (const auto& [name, v] : chosen) again.preferences.push_back(preference{name, v});
  again.upgrade = false;
  again.upgrade_packages.clear();
  std::vector<std::vector<fork_literal>> forks;
  for (std::size_t i : redo) forks.push_back(leaves[i].literals);
  m_leaves -= redo.size();
  std::vector<std::vector<leaf>> redone;
  if (auto failed = solve_all(forks, std::vector<const resolve_options*>(forks.size(), &again), redone))
    return unexpected(std::move(*failed));
  std::vector<leaf> settled;
  for (std::size_t i = 0, r = 0; i < leaves.size(); ++i) {
    if (r < redo.size() && redo[r] == i) {
      std::move(redone[r].begin(), redone[r].end(), std::back_inserter(settled));
      ++r;
    } else {
      settled.push_back(std::move(leaves[i]));
    }
  }
  return merge(settled);
}

result<resolution, resolve_failure> universal_driver::merge(std::vector<leaf>& leaves) {
  marker_algebra algebra;
  const marker_id universe =
      m_options.universal ? algebra.from(*m_options.universal) : marker_algebra::always();
  const auto lowest = algebra.lowest_python(universe);
  struct merged {
    marker_id where = marker_algebra::never();
    std::set<std::string> extras;
    std::set<std::string> parents;
  };
  std::map<std::pair<std::string, version>, merged> out_map;
  std::map<std::pair<const packaging::marker*, std::string>, marker_id> conditions;
  resolution out;
  for (leaf& l : leaves) {
    const resolution& answer = *l.outcome.answer;
    const marker_id fork = conjoined(algebra, universe, l.literals);
    // Reach along the edges, from the user's requirements (the empty name).
    const auto key = [](const std::string& name, const std::string& extra) { return name + '[' + extra; };
    std::unordered_map<std::string, std::vector<const fork_edge*>> from;
    for (const fork_edge& e : l.outcome.edges) from[key(e.from, e.from_extra)].push_back(&e);
    std::unordered_map<std::string, marker_id> reach{{key("", ""), fork}};
    std::deque<std::string> work{key("", "")};
    while (!work.empty()) {
      const std::string k = std::move(work.front());
      work.pop_front();
      const auto edges = from.find(k);
      if (edges == from.end()) continue;
      const marker_id here = reach[k];
      for (const fork_edge* e : edges->second) {
        marker_id condition = marker_algebra::always();
        if (e->condition != nullptr) {
          auto [it, fresh] = conditions.try_emplace(std::make_pair(e->condition, e->from_extra));
          if (fresh) it->second = algebra.with_extra(algebra.from(*e->condition), e->from_extra);
          condition = it->second;
        }
        const std::string to = key(e->to, e->to_extra);
        auto r = reach.try_emplace(to, marker_algebra::never()).first;
        const marker_id grown = algebra.disjunction(r->second, algebra.conjunction(here, condition));
        if (grown == r->second) continue;
        r->second = grown;
        work.push_back(to);
      }
    }
    for (const resolved_package& p : answer.packages) {
      merged& m = out_map[std::make_pair(p.name, p.version)];
      if (auto r = reach.find(key(p.name, "")); r != reach.end())
        m.where = algebra.disjunction(m.where, r->second);
      m.extras.insert(p.extras.begin(), p.extras.end());
      m.parents.insert(p.parents.begin(), p.parents.end());
    }
    out.warnings.insert(out.warnings.end(), answer.warnings.begin(), answer.warnings.end());
    out.stats.decisions += answer.stats.decisions;
    out.stats.backjumps += answer.stats.backjumps;
    out.stats.assignments += answer.stats.assignments;
    out.stats.incompatibilities += answer.stats.incompatibilities;
  }
  if (algebra.exhausted()) {
    return unexpected(resolve_failure{resolve_failure::kind::invalid_input,
                                      "the markers of the resolution are too complex to write",
                                      {},
                                      {},
                                      {}});
  }
  for (auto& [at, m] : out_map) {
    if (m.where == marker_algebra::never()) continue;  // pinned, but reached in no environment
    auto text = algebra.to_string(lowest ? algebra.assuming_python_from(m.where, *lowest) : m.where,
                                  packaging::python_spelling::full_version);
    if (!text) {
      return unexpected(resolve_failure{resolve_failure::kind::invalid_input,
                                        "cannot write the marker of " + at.first +
                                            "==" + at.second.to_string() + ": " + text.error().message,
                                        {},
                                        {},
                                        {}});
    }
    out.packages.push_back(resolved_package{at.first,
                                            at.second,
                                            {m.extras.begin(), m.extras.end()},
                                            {m.parents.begin(), m.parents.end()},
                                            single_quoted(std::move(*text))});
  }
  std::sort(out.warnings.begin(), out.warnings.end());
  out.warnings.erase(std::unique(out.warnings.begin(), out.warnings.end()), out.warnings.end());
  out.stats.forks = leaves.size();
  out.stats.fork_solves = m_solves;
  return out;
}

}  // namespace

result<resolution, resolve_failure> resolve_universal(std::span<const packaging::requirement> requirements,
                                                      const resolve_options& options, provider& source) {
  return universal_driver(requirements, options, source).run();
}

}  // namespace pyresolve::resolver::detail
