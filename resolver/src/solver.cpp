// PubGrub (Natalie Weizenbaum's algorithm, as pubgrub-rs and uv implement it) over interned
// package ids. One solver per resolve; every container draws from the options' resource.

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pyresolve/packaging/name.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/support/text_hash.hpp"
#include "term.hpp"

namespace pyresolve::resolver {
namespace detail {
namespace {

using packaging::version;
using pkg_id = std::uint32_t;
using incompat_id = std::uint32_t;
constexpr incompat_id no_cause = UINT32_MAX;
constexpr pkg_id root_id = 0;
// After this many conflicts a package is decided before the rest, as uv learned: deciding a
// package that keeps conflicting early prunes the search the most.
constexpr std::uint32_t conflict_boost_threshold = 5;

enum class cause_kind : std::uint8_t { root, no_versions, unavailable, dependency, derived };

/// The requirement names one version: a URL, `===`, or `==` without a wildcard.
bool pins(const packaging::requirement& req) {
  if (!req.url.empty()) return true;
  return std::any_of(req.specifiers.specifiers().begin(), req.specifiers.specifiers().end(),
                     [](const auto& spec) {
                       return spec.op() == packaging::spec_op::arbitrary_equal ||
                              (spec.op() == packaging::spec_op::equal && !spec.has_wildcard());
                     });
}

struct incompat {
  std::pmr::vector<std::pair<pkg_id, term>> terms;
  cause_kind kind = cause_kind::derived;
  incompat_id cause1 = no_cause;
  incompat_id cause2 = no_cause;
  std::pmr::string reason;  // unavailable: why
  bool indexed = false;

  explicit incompat(std::pmr::memory_resource* m) : terms(m), reason(m) {}
};

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

struct dep_record {
  version at;
  std::pmr::vector<pkg_id> children;
};

// How a version set reads in a message: singletons as `==v`, the rest merged by
// version_ranges::to_string, with uv's comma spacing.
std::string set_text(const version_ranges& set) {
  const auto& iv = set.intervals();
  if (iv.size() == 1 && iv[0].lower && iv[0].upper && *iv[0].upper == iv[0].lower->just_after()) {
    return "==" + iv[0].lower->to_string();
  }
  std::string text = set.to_string();
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',' && i + 1 < text.size() && text[i + 1] == ' ') {
      out += ',';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

using candidate_iterator = std::span<const candidate>::iterator;

// The first candidate not below `v` (candidates are sorted).
candidate_iterator first_not_below(std::span<const candidate> cands, const version& v) {
  return std::lower_bound(cands.begin(), cands.end(), v,
                          [](const candidate& c, const version& x) { return c.version < x; });
}

// Exactly the candidates lo..hi among those that exist, bounded by the neighbouring candidates:
// it reads as the user would write it ("a>=1.0,<2.0"), and the ranges of neighbouring runs
// touch, so their union is one interval.
version_ranges run_range(std::span<const candidate> cands, std::size_t lo, std::size_t hi,
                         std::pmr::memory_resource* memory) {
  std::optional<version> lower;
  std::optional<version> upper;
  if (lo != 0) lower = cands[lo].version;
  if (hi + 1 < cands.size()) upper = cands[hi + 1].version;
  return version_ranges::between(std::move(lower), std::move(upper), memory);
}

struct package_state {
  // Partial solution: indices into the trail, the intersection of their terms. First: unit
  // propagation reads these for every term of every incompatibility it inspects, and they
  // share cache lines only with each other here.
  std::pmr::vector<std::uint32_t> trail;
  term accum;
  std::pmr::string name;   // normalized base name ("" for root)
  std::pmr::string extra;  // normalized extra, empty for a base package
  pkg_id base = 0;
  std::uint32_t first_seen = UINT32_MAX;
  std::uint32_t conflicts = 0;
  bool pinned = false;        // some requirement names it with == or ===
  bool user_pinned = false;   // a user requirement, constraint or override does: yanked is usable
  bool explicit_pre = false;  // a user requirement, constraint or override names a pre-release
  bool direct = false;        // the user requires it (lowest-direct)
  bool versions_loaded = false;
  bool not_found = false;
  std::pmr::string versions_error;
  std::span<const candidate> candidates;
  // The decision, if p is decided.
  bool decided = false;
  // The class of this package's newest entry in the decision queue, or no_class.
  std::uint8_t queued_class = 0xff;
  version decision;
  std::pmr::vector<incompat_id> incompats;
  std::pmr::vector<dep_record> deps;  // versions whose dependency incompatibilities exist
  // The versions of `deps`, so that asking again is one lookup: a scan made an unsatisfiable
  // requirement on a project of 20,000 versions quadratic (4.7 s warm).
  std::pmr::unordered_set<version> deps_at;
  // Dependency incompatibilities "p in [candidates lo..hi] depends on q in R", grown across
  // consecutive candidates with the same requirement (pubgrub-rs merges them the same way):
  // one incompatibility then rules out a whole run of versions at once.
  struct dep_group {
    incompat_id id;
    std::uint32_t lo;
    std::uint32_t hi;
    // Where `id` sits in p's and q's `incompats` (lists only grow, so positions hold): a
    // merge replaces it there instead of searching lists thousands long.
    std::uint32_t at_p;
    std::uint32_t at_q;
  };
  // By dependency: awscli has a thousand versions of eight dependencies each, and one list
  // of all groups made every new dependency scan them all.
  std::pmr::unordered_map<pkg_id, std::pmr::vector<dep_group>> groups;

  explicit package_state(std::pmr::memory_resource* m)
      : trail(m),
        accum{false, version_ranges(m)},
        name(m),
        extra(m),
        versions_error(m),
        incompats(m),
        deps(m),
        deps_at(m),
        groups(m) {}
  // noexcept for the same reason as assignment's. A growing package table that copied its
  // states gave each copy's containers the default resource (a pmr container's copy does not
  // keep its allocator): every later allocation of those packages bypassed the solver's.
  package_state(package_state&&) noexcept = default;
  package_state& operator=(package_state&&) noexcept = default;
};

enum class relation : std::uint8_t { satisfied, contradicted, almost, inconclusive };

class solver {
 public:
  solver(std::span<const packaging::requirement> requirements, const resolve_options& options,
         provider& source)
      : m_requirements(requirements),
        m_options(options),
        m_environment(options.environment.or_default()),
        m_provider(source),
        m_memory(options.memory),
        m_packages(m_memory),
        m_ids(m_memory),
        m_incompats(m_memory),
        m_trail(m_memory),
        m_order(m_memory) {
    std::string storage;
    const auto key = [&](std::string_view name) {
      return std::pmr::string(packaging::normalized_name(name, storage), m_memory);
    };
    for (const auto& c : options.constraints)
      m_constraints.try_emplace(key(c.name)).first->second.push_back(&c);
    for (const auto& o : options.overrides) m_overrides.try_emplace(key(o.name)).first->second.push_back(&o);
    if (!options.upgrade) {
      for (const auto& pref : options.preferences) m_preferences.emplace(key(pref.name), pref.version);
      for (const auto& name : options.upgrade_packages) {
        const auto it = m_preferences.find(packaging::normalized_name(name, storage));
        if (it != m_preferences.end()) m_preferences.erase(it);
      }
    }
  }

  result<resolution, resolve_failure> run();

 private:
  pkg_id intern(std::string_view name, std::string_view extra);
  void touch(pkg_id p);
  incompat_id add_incompat(incompat&& inc, bool index);
  void index_incompat(incompat_id id);
  version_ranges ranges_of(const packaging::specifier_set& set);
  relation relate(incompat_id id, pkg_id* unsatisfied) const;
  void assign(pkg_id p, term&& t, incompat_id cause);
  void backtrack(std::uint32_t level);
  void propagate(pkg_id start);
  std::optional<incompat_id> resolve_conflict(incompat_id id);
  bool is_terminal(const incompat& inc) const;
  bool satisfied_by_decision(incompat_id id, pkg_id p) const;
  std::optional<pkg_id> choose_package();
  std::uint8_t priority_class(pkg_id p) const;
  void enqueue(pkg_id p);
  void load_versions(pkg_id p);
  std::optional<version> choose_version(pkg_id p);
  version_ranges candidate_range(pkg_id p, const version& v) const;
  bool add_dependencies(pkg_id p, const version& v);
  void add_dependency(pkg_id p, const version& v, pkg_id q, const version_ranges& range, dep_record& rec,
                      const packaging::requirement* written = nullptr);

  // Reporting.
  std::string display(pkg_id p) const;
  std::string range_text(pkg_id p, const version_ranges& set) const;
  std::string term_text(pkg_id p, const term& t) const;
  incompat_id skip_vacuous(incompat_id id) const;
  std::string external_text(const incompat& inc) const;
  std::string statement(const incompat& inc) const;
  std::string conclusion(const incompat& inc) const;
  void explain(incompat_id id, std::vector<std::string>& lines, std::vector<pkg_id>& named) const;
  resolve_failure failure(incompat_id id) const;
  resolution build_resolution() const;

  std::span<const packaging::requirement> m_requirements;
  const resolve_options& m_options;
  const packaging::target_environment& m_environment;  // m_options' target, or the default
  provider& m_provider;
  std::pmr::memory_resource* m_memory;
  std::pmr::vector<package_state> m_packages;
  std::pmr::unordered_map<std::pmr::string, pkg_id, text_hash, std::equal_to<>> m_ids;
  std::pmr::vector<incompat> m_incompats;
  std::pmr::vector<assignment> m_trail;
  std::pmr::vector<pkg_id> m_order;  // packages in first-seen order
  // Candidates for the next decision, a min-heap on (class, first seen) with lazy deletion:
  // an entry is live while its class matches the package's queued_class. A linear scan over
  // every package per decision dominated large solves.
  struct queue_entry {
    std::uint8_t cls;
    std::uint32_t first_seen;
    pkg_id package;
  };
  std::pmr::vector<queue_entry> m_queue{m_memory};
  // Options by normalized name.
  using requirement_lists =
      std::pmr::unordered_map<std::pmr::string, std::pmr::vector<const packaging::requirement*>, text_hash,
                              std::equal_to<>>;
  requirement_lists m_constraints{m_memory};
  requirement_lists m_overrides{m_memory};
  std::pmr::unordered_map<std::pmr::string, version, text_hash, std::equal_to<>> m_preferences{m_memory};
  std::uint32_t m_level = 0;
  solver_stats m_stats;
  // specifier_set::to_ranges by the clauses' parts: a requirement recurs in version after
  // version of a project (awscli's thousand releases), and converting it again each time was
  // a twentieth of a top-1,000 solve.
  std::pmr::unordered_map<std::pmr::string, version_ranges, text_hash, std::equal_to<>> m_ranges{m_memory};
  std::string m_ranges_key;
  // Scratch of propagate, backtrack and resolve_conflict, none of which re-enters itself:
  // kept, so that a decision's propagation allocates nothing of its own.
  std::pmr::vector<pkg_id> m_changed{m_memory};
  std::pmr::vector<pkg_id> m_dirty{m_memory};
  std::pmr::vector<std::uint32_t> m_satisfier{m_memory};
  version m_root_version;
  std::optional<incompat_id> m_failed;
  // The first read the provider failed (errc::io_error): the run stops with it rather than
  // answer without that version or project.
  std::optional<std::string> m_unreadable;
  std::pmr::vector<std::pair<pkg_id, version>> m_unknown_extras{m_memory};  // (extra package, version)
  // Incompatibilities known contradicted, with the decision level that made them so: they
  // stay contradicted until a backjump below that level, so propagation skips them
  // (pubgrub-rs keeps the same cache). m_contradicted_log lists the ids to reset.
  std::pmr::vector<std::uint32_t> m_contradicted{m_memory};
  std::pmr::vector<incompat_id> m_contradicted_log{m_memory};
};

pkg_id solver::intern(std::string_view name, std::string_view extra) {
  if (extra.empty()) {
    if (auto it = m_ids.find(name); it != m_ids.end()) return it->second;
  }
  std::pmr::string key(name, m_memory);
  if (!extra.empty()) {
    key += '[';
    key += extra;
    key += ']';
  }
  auto it = m_ids.find(key);
  if (it != m_ids.end()) return it->second;
  const auto id = static_cast<pkg_id>(m_packages.size());
  m_packages.emplace_back(m_memory);
  package_state& s = m_packages.back();
  s.name = name;
  s.extra = extra;
  s.base = id;
  m_ids.emplace(std::move(key), id);
  if (!extra.empty()) m_packages[id].base = intern(name, {});
  return id;
}

void solver::touch(pkg_id p) {
  if (m_packages[p].first_seen != UINT32_MAX) return;
  m_packages[p].first_seen = static_cast<std::uint32_t>(m_order.size());
  m_order.push_back(p);
}

incompat_id solver::add_incompat(incompat&& inc, bool index) {
  const auto id = static_cast<incompat_id>(m_incompats.size());
  m_incompats.push_back(std::move(inc));
  m_contradicted.push_back(UINT32_MAX);
  if (index) index_incompat(id);
  return id;
}

version_ranges solver::ranges_of(const packaging::specifier_set& set) {
  std::string& key = m_ranges_key;
  key.clear();
  for (const auto& spec : set.specifiers()) {
    const auto bits = spec.operand().packed_bits();
    // `===` compares text, and a version outside the packed form has no bits to key on.
    if (!bits || spec.op() == packaging::spec_op::arbitrary_equal)
      return version_ranges(set.to_ranges(), m_memory);
    const char head[2] = {static_cast<char>(spec.op()), static_cast<char>(spec.has_wildcard())};
    key.append(head, 2);
    key.append(reinterpret_cast<const char*>(&bits->key), sizeof bits->key);
    key.append(reinterpret_cast<const char*>(&bits->release_size), sizeof bits->release_size);
  }
  if (auto it = m_ranges.find(std::string_view(key)); it != m_ranges.end()) return it->second;
  // In the solver's resource: every term made from it stays there (copies keep the resource).
  version_ranges ranges(set.to_ranges(), m_memory);
  m_ranges.emplace(std::pmr::string(key, m_memory), ranges);
  return ranges;
}

void solver::index_incompat(incompat_id id) {
  incompat& inc = m_incompats[id];
  if (inc.indexed) return;
  inc.indexed = true;
  for (const auto& [p, t] : inc.terms) m_packages[p].incompats.push_back(id);
}

relation solver::relate(incompat_id id, pkg_id* unsatisfied) const {
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

void solver::assign(pkg_id p, term&& t, incompat_id cause) {
  package_state& s = m_packages[p];
  touch(p);
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
  enqueue(p);
}

void solver::backtrack(std::uint32_t level) {
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
    enqueue(p);
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
bool solver::satisfied_by_decision(incompat_id id, pkg_id p) const {
  for (const auto& [q, t] : m_incompats[id].terms) {
    if (q == p) continue;
    const package_state& s = m_packages[q];
    if (s.trail.empty() ? !is_any(t) : !is_subset(s.accum, t)) return false;
  }
  return true;
}

bool solver::is_terminal(const incompat& inc) const {
  if (inc.terms.empty()) return true;
  return inc.terms.size() == 1 && inc.terms.front().first == root_id && inc.terms.front().second.positive;
}

void solver::propagate(pkg_id start) {
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
std::optional<incompat_id> solver::resolve_conflict(incompat_id id) {
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
    if (++m_packages[p].conflicts == conflict_boost_threshold) enqueue(p);
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

std::uint8_t solver::priority_class(pkg_id p) const {
  const package_state& s = m_packages[p];
  if (p == root_id || s.pinned) return 0;
  if (s.conflicts >= conflict_boost_threshold) return 1;
  return 2;
}

namespace {
bool queue_after(const auto& a, const auto& b) {
  return a.cls != b.cls ? a.cls > b.cls : a.first_seen > b.first_seen;
}
}  // namespace

// Called whenever p may have become undecided-and-required or changed class.
void solver::enqueue(pkg_id p) {
  package_state& s = m_packages[p];
  if (s.decided || s.trail.empty() || !s.accum.positive) return;
  const std::uint8_t cls = priority_class(p);
  if (s.queued_class == cls) return;
  s.queued_class = cls;
  m_queue.push_back(queue_entry{cls, s.first_seen, p});
  std::push_heap(m_queue.begin(), m_queue.end(),
                 [](const auto& a, const auto& b) { return queue_after(a, b); });
}

std::optional<pkg_id> solver::choose_package() {
  auto after = [](const auto& a, const auto& b) { return queue_after(a, b); };
  while (!m_queue.empty()) {
    const queue_entry top = m_queue.front();
    package_state& s = m_packages[top.package];
    const bool live = s.queued_class == top.cls;
    if (live && !s.decided && !s.trail.empty() && s.accum.positive) return top.package;
    std::pop_heap(m_queue.begin(), m_queue.end(), after);
    m_queue.pop_back();
    if (live) s.queued_class = 0xff;
  }
  return std::nullopt;
}

void solver::load_versions(pkg_id p) {
  package_state& s = m_packages[p];
  if (s.versions_loaded) return;
  s.versions_loaded = true;
  if (s.base != p) {
    load_versions(s.base);
    const package_state& b = m_packages[s.base];
    m_packages[p].candidates = b.candidates;
    m_packages[p].not_found = b.not_found;
    m_packages[p].versions_error = b.versions_error;
    return;
  }
  auto got = m_provider.versions(s.name);
  if (!got) {
    s.not_found = got.error().code == errc::not_found;
    s.versions_error = got.error().message;
    if (got.error().code == errc::io_error && !m_unreadable) m_unreadable = got.error().message;
    return;
  }
  s.candidates = *got;
}

std::optional<version> solver::choose_version(pkg_id p) {
  const package_state& s0 = m_packages[p];
  if (p == root_id) {
    if (s0.accum.set.contains(m_root_version)) return m_root_version;
    return std::nullopt;
  }
  load_versions(p);
  const package_state& s = m_packages[p];
  const package_state& base = m_packages[s.base];
  const auto strategy = m_options.strategy;
  const bool highest = strategy == resolution_strategy::highest ||
                       (strategy == resolution_strategy::lowest_direct && !base.direct && !s.direct);
  const auto mode = m_options.prerelease;
  const bool explicit_pre = base.explicit_pre || s.explicit_pre;
  // Only `allow` ranks pre-releases with final releases. A requirement that names a
  // pre-release makes pre-releases of that package eligible, but a final release in range is
  // still preferred (uv's current rule: `a>=0.1.0a1` over 0.3.0 and 1.0.0a1 picks 0.3.0).
  const bool pre_as_final = mode == prerelease_mode::allow;
  const bool pre_fallback = mode == prerelease_mode::if_necessary ||
                            mode == prerelease_mode::if_necessary_or_explicit ||
                            (explicit_pre && mode == prerelease_mode::explicit_only);
  // `usable` does not test set membership: the scan below visits only candidates inside the
  // intervals of the set (a binary search per interval instead of `contains` per candidate).
  auto usable = [&](const candidate& c) {
    // PEP 592 as uv reads it: a yanked version only for the user's own `==` pin, never for a
    // pin some dependency carries (uv's `transitive_yanked_and_unyanked_dependency`).
    if (c.yanked && !(s.user_pinned || base.user_pinned)) return false;
    return c.has_compatible_dist && c.requires_python_ok;
  };
  // A preferred version (an existing pin) wins while it stays acceptable.
  if (auto pref =
          m_preferences.empty() ? m_preferences.end() : m_preferences.find(std::string_view(base.name));
      pref != m_preferences.end()) {
    const auto pos = first_not_below(s.candidates, pref->second);
    if (pos != s.candidates.end() && pos->version == pref->second && s.accum.set.contains(pos->version) &&
        usable(*pos) && (!pos->version.is_prerelease() || mode != prerelease_mode::disallow)) {
      return pos->version;
    }
  }
  std::optional<version> fallback_pre;
  const auto& intervals = s.accum.set.intervals();
  const auto first = s.candidates.begin();
  const auto last = s.candidates.end();
  const std::size_t count = intervals.size();
  for (std::size_t k = 0; k < count; ++k) {
    const auto& range = intervals[highest ? count - 1 - k : k];
    const auto lo = range.lower ? first_not_below(s.candidates, *range.lower) : first;
    const auto hi = range.upper ? first_not_below({lo, last}, *range.upper) : last;
    const auto n = static_cast<std::size_t>(hi - lo);
    for (std::size_t j = 0; j < n; ++j) {
      const candidate& c = lo[static_cast<std::ptrdiff_t>(highest ? n - 1 - j : j)];
      if (!usable(c)) continue;
      if (c.version.is_prerelease() && !pre_as_final) {
        if (pre_fallback && !fallback_pre) fallback_pre = c.version;
        continue;
      }
      return c.version;
    }
  }
  return fallback_pre;
}

// v as a set, widened to its neighbouring candidates (run_range): it holds no other version
// of p that exists, and the sets of neighbouring candidates touch, so ruling out a run of versions one
// by one leaves one interval in the accumulated term instead of a hole per version (awscli's
// hundreds of exact botocore pins made terms of ~900 intervals, which every assignment
// intersected). Messages print such a set back as `==v` (range_text).
version_ranges solver::candidate_range(pkg_id p, const version& v) const {
  const auto& cands = m_packages[p].candidates;
  const auto pos = first_not_below(cands, v);
  if (pos == cands.end() || pos->version != v) return version_ranges::singleton(v, m_memory);
  const auto i = static_cast<std::size_t>(pos - cands.begin());
  return run_range(cands, i, i, m_memory);
}

void solver::add_dependency(pkg_id p, const version& v, pkg_id q, const version_ranges& range,
                            dep_record& rec, const packaging::requirement* written) {
  rec.children.push_back(q);
  if (q == p) {
    if (range.contains(v)) return;
    incompat inc(m_memory);
    inc.terms.emplace_back(p, term{true, candidate_range(p, v)});
    inc.kind = cause_kind::unavailable;
    inc.reason = std::pmr::string("depends on itself with an incompatible version", m_memory);
    add_incompat(std::move(inc), true);
    return;
  }
  if (range.is_empty()) {
    // "q not in {}" holds always, so the usual incompatibility would leave q's term without a
    // satisfier; the version itself is what cannot be used.
    incompat inc(m_memory);
    inc.terms.emplace_back(p, term{true, candidate_range(p, v)});
    inc.kind = cause_kind::unavailable;
    // The root has no version to name: the requirement as written says what allows nothing
    // (`six===abc`: no version is spelled `abc`).
    inc.reason =
        std::pmr::string(p == root_id && written != nullptr
                             ? "you require " + written->to_string() +
                                   ", and no version is allowed (contradictory specifiers or constraints)"
                             : "depends on " + display(q) +
                                   " with no version allowed (contradictory specifiers or constraints)",
                         m_memory);
    add_incompat(std::move(inc), true);
    return;
  }
  touch(q);
  // v's index among p's candidates (absent for the root).
  const auto& cands = m_packages[p].candidates;
  const auto pos = first_not_below(cands, v);
  if (pos != cands.end() && pos->version == v) {
    const auto idx = static_cast<std::uint32_t>(pos - cands.begin());
    auto& groups = m_packages[p].groups[q];
    // Newest first: the solver tries versions in order, so the group to grow is a recent one.
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
      auto& g = *it;
      if (!(idx + 1 == g.lo || idx == g.hi + 1)) continue;
      if (m_incompats[g.id].terms[1].second.set != range) continue;
      const std::uint32_t lo = std::min(idx, g.lo);
      const std::uint32_t hi = std::max(idx, g.hi);
      incompat inc(m_memory);
      inc.terms.reserve(2);
      inc.terms.emplace_back(p, term{true, run_range(cands, lo, hi, m_memory)});
      inc.terms.emplace_back(q, term{false, range});
      inc.kind = cause_kind::dependency;
      const incompat_id id = add_incompat(std::move(inc), false);
      // The merged incompatibility takes the old one's place in both watch lists.
      m_incompats[id].indexed = true;
      m_packages[p].incompats[g.at_p] = id;
      m_packages[q].incompats[g.at_q] = id;
      g.id = id;
      g.lo = lo;
      g.hi = hi;
      return;
    }
    incompat inc(m_memory);
    inc.terms.reserve(2);
    inc.terms.emplace_back(p, term{true, run_range(cands, idx, idx, m_memory)});
    inc.terms.emplace_back(q, term{false, range});
    inc.kind = cause_kind::dependency;
    const auto at_p = static_cast<std::uint32_t>(m_packages[p].incompats.size());
    const auto at_q = static_cast<std::uint32_t>(m_packages[q].incompats.size());
    groups.push_back(package_state::dep_group{add_incompat(std::move(inc), true), idx, idx, at_p, at_q});
    return;
  }
  incompat inc(m_memory);
  inc.terms.reserve(2);
  inc.terms.emplace_back(p, term{true, candidate_range(p, v)});
  inc.terms.emplace_back(q, term{false, range});
  inc.kind = cause_kind::dependency;
  add_incompat(std::move(inc), true);
}

bool solver::add_dependencies(pkg_id p, const version& v) {
  if (m_packages[p].deps_at.contains(v)) return true;
  std::span<const packaging::requirement> reqs = m_requirements;
  if (p != root_id) {
    const package_state& s = m_packages[p];
    // A base package never has a requirement that needs an extra: the provider may skip them.
    auto got = s.extra.empty() ? m_provider.dependencies_without_extra_only(s.name, v)
                               : m_provider.dependencies(s.name, v);
    if (!got) {
      if (got.error().code == errc::io_error && !m_unreadable) m_unreadable = got.error().message;
      incompat inc(m_memory);
      inc.terms.emplace_back(p, term{true, candidate_range(p, v)});
      inc.kind = cause_kind::unavailable;
      inc.reason = std::pmr::string(got.error().message, m_memory);
      add_incompat(std::move(inc), true);
      return false;
    }
    reqs = *got;
  }
  dep_record rec{v, std::pmr::vector<pkg_id>(m_memory)};
  // A copy: interning below may grow the package table.
  const std::pmr::string extra(m_packages[p].extra, m_memory);
  // An extra no requirement of this version mentions: uv pins the base and warns.
  if (!extra.empty() && std::none_of(reqs.begin(), reqs.end(), [&](const packaging::requirement& req) {
        if (!req.marker || !req.marker->references_extra()) return false;
        const auto named = req.marker->extras();
        return std::find(named.begin(), named.end(), std::string_view(extra)) != named.end();
      })) {
    m_unknown_extras.emplace_back(p, v);
  }
  const pkg_id base = m_packages[p].base;
  if (base != p) add_dependency(p, v, base, candidate_range(base, v), rec);
  auto applies = [&](const packaging::requirement& req, std::string_view in_extra) {
    if (req.marker) {
      if (!in_extra.empty() && !req.marker->references_extra()) return false;
      auto ok = req.marker->evaluate(m_environment.markers(), in_extra);
      return ok && *ok;
    }
    return in_extra.empty();  // unconditional dependencies belong to the base package
  };
  std::pmr::vector<std::pmr::string> overridden(m_memory);  // names already replaced for this version
  std::string extra_storage;
  auto add_one = [&](const packaging::requirement& req, std::string_view name, bool from_override) {
    version_ranges range = req.url.empty() ? ranges_of(req.specifiers) : version_ranges::full(m_memory);
    const bool from_user = p == root_id || from_override;
    bool explicit_pre = from_user ? req.specifiers.implies_prereleases() : false;
    const bool pin = pins(req);
    bool user_pin = from_user && pin;
    // (Empty maps are the common case, and a lookup would still hash the name.)
    if (auto c = m_constraints.empty() ? m_constraints.end() : m_constraints.find(name);
        c != m_constraints.end()) {
      for (const packaging::requirement* con : c->second) {
        if (!applies(*con, {})) continue;
        range =
            range.intersect(con->url.empty() ? ranges_of(con->specifiers) : version_ranges::full(m_memory));
        explicit_pre = explicit_pre || con->specifiers.implies_prereleases();
        user_pin = user_pin || pins(*con);
      }
    }
    const std::size_t known = m_packages.size();
    const pkg_id q = intern(name, {});
    // First seen: a background provider starts loading it now. Only the provider's timing
    // depends on this; what it answers, and so the resolution, does not.
    if (m_packages.size() != known) m_provider.prefetch(name);
    if (pin && !m_packages[q].pinned) {
      m_packages[q].pinned = true;
      enqueue(q);
    }
    if (explicit_pre) m_packages[q].explicit_pre = true;
    if (user_pin) m_packages[q].user_pinned = true;
    if (p == root_id) m_packages[q].direct = true;
    add_dependency(p, v, q, range, rec, &req);
    for (const auto& e : req.extras) {
      const pkg_id qe = intern(name, packaging::normalized_name(e, extra_storage));
      if (pin && !m_packages[qe].pinned) {
        m_packages[qe].pinned = true;
        enqueue(qe);
      }
      if (user_pin) m_packages[qe].user_pinned = true;
      if (p == root_id) m_packages[qe].direct = true;
      add_dependency(p, v, qe, range, rec, &req);
    }
  };
  std::string name_storage;
  for (const packaging::requirement& req : reqs) {
    if (!applies(req, extra)) continue;
    const std::string_view name = packaging::normalized_name(req.name, name_storage);
    if (auto o = m_overrides.empty() ? m_overrides.end() : m_overrides.find(name); o != m_overrides.end()) {
      // The requirement stands, in the overrides' words: each override whose marker holds.
      if (std::find(overridden.begin(), overridden.end(), name) != overridden.end()) continue;
      overridden.emplace_back(name);
      for (const packaging::requirement* ov : o->second) {
        if (applies(*ov, {})) add_one(*ov, name, true);
      }
      continue;
    }
    add_one(req, name, false);
  }
  m_packages[p].deps_at.insert(rec.at);
  m_packages[p].deps.push_back(std::move(rec));
  return true;
}

result<resolution, resolve_failure> solver::run() {
  m_packages.reserve(64);
  intern("", {});  // the root
  touch(root_id);
  {
    incompat not_root(m_memory);
    not_root.terms.emplace_back(root_id, term{false, version_ranges::singleton(m_root_version, m_memory)});
    not_root.kind = cause_kind::root;
    add_incompat(std::move(not_root), true);
  }
  pkg_id next = root_id;
  for (;;) {
    propagate(next);
    if (m_unreadable)
      return unexpected(resolve_failure{resolve_failure::kind::unreadable, *m_unreadable, {}});
    if (m_failed) return unexpected(failure(*m_failed));
    auto chosen = choose_package();
    if (!chosen) {
      if (m_unreadable)
        return unexpected(resolve_failure{resolve_failure::kind::unreadable, *m_unreadable, {}});
      return build_resolution();
    }
    next = *chosen;
    auto v = choose_version(next);
    if (!v) {
      incompat inc(m_memory);
      inc.terms.emplace_back(next, term{true, m_packages[next].accum.set});
      inc.kind = cause_kind::no_versions;
      add_incompat(std::move(inc), true);
      continue;
    }
    const auto known = static_cast<incompat_id>(m_incompats.size());
    if (!add_dependencies(next, *v)) continue;
    // pubgrub-rs's rule: a version whose new dependency incompatibilities the partial solution
    // already satisfies is not decided; propagating from `next` then rules it out at this
    // level. Deciding it anyway turned each such version into a conflict that backjumps past
    // every later decision (the top-1,000 list tried 938 awscli versions, each undoing ~300
    // decisions that were then made again).
    bool contradicted = false;
    for (auto id = known; id < m_incompats.size() && !contradicted; ++id) {
      contradicted = m_incompats[id].indexed && satisfied_by_decision(id, next);
    }
    if (contradicted) continue;
    assign(next, term{true, version_ranges::singleton(*v, m_memory)}, no_cause);
  }
}

resolution solver::build_resolution() const {
  resolution out;
  // The output entry of each decided base package, by id: a name and its base package's id
  // name the same entry (intern keys packages by name).
  constexpr std::size_t none = SIZE_MAX;
  std::pmr::vector<std::size_t> where(m_packages.size(), none, m_memory);
  for (pkg_id p : m_order) {
    const package_state& s = m_packages[p];
    if (p == root_id || !s.decided || s.base != p) continue;
    where[p] = out.packages.size();
    out.packages.push_back(resolved_package{std::string(s.name), s.decision, {}, {}});
  }
  for (pkg_id p : m_order) {
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
  for (const auto& [p, v] : m_unknown_extras) {
    const package_state& s = m_packages[p];
    if (!s.decided || s.decision != v) continue;
    out.warnings.push_back("The package `" + std::string(s.name) + "==" + v.to_string() +
                           "` does not have an extra named `" + std::string(s.extra) + "`");
  }
  std::sort(out.warnings.begin(), out.warnings.end());
  out.warnings.erase(std::unique(out.warnings.begin(), out.warnings.end()), out.warnings.end());
  out.stats = m_stats;
  out.stats.incompatibilities = m_incompats.size();
  return out;
}

std::string solver::display(pkg_id p) const {
  const package_state& s = m_packages[p];
  if (s.extra.empty()) return std::string(s.name);
  return std::string(s.name) + "[" + std::string(s.extra) + "]";
}

// A set that holds every known version of the package reads as the bare name, as uv
// simplifies ranges against the versions that exist.
std::string solver::range_text(pkg_id p, const version_ranges& set) const {
  const package_state& s = m_packages[p];
  if (set.is_full()) return display(p);
  const auto& cands = s.candidates;
  if (cands.empty()) return display(p) + set_text(set);
  // Read against the versions that exist, as uv simplifies its ranges: each run of
  // consecutive candidates inside the set becomes one range (`==v` for a run of one), so
  // forty pins `==1.31.0 | ==1.31.1 | …` read `>=1.31.0,<1.31.43` and a set holding every
  // version is the bare name. A set with no existing version keeps its own text.
  version_ranges shown;
  bool any = false;
  bool all = true;
  for (std::size_t i = 0; i < cands.size();) {
    if (!set.contains(cands[i].version)) {
      all = false;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < cands.size() && set.contains(cands[j + 1].version)) ++j;
    any = true;
    shown = shown.unite(i == j ? version_ranges::singleton(cands[i].version)
                               : run_range(cands, i, j, shown.resource()));
    i = j + 1;
  }
  if (all) return display(p);
  return display(p) + set_text(any ? shown : set);
}

// The set as written: the surrounding words ("depends on", "not") carry the polarity.
std::string solver::term_text(pkg_id p, const term& t) const { return range_text(p, t.set); }

// A derived incompatibility whose one cause says "no versions" of a range that holds no
// version at all adds nothing a reader needs (it only widens `a==1.0` to `a` when 1.0 is the
// only version): explain its other cause in its place.
incompat_id solver::skip_vacuous(incompat_id id) const {
  for (;;) {
    const incompat& inc = m_incompats[id];
    if (inc.kind != cause_kind::derived) return id;
    auto vacuous = [&](incompat_id c) {
      const incompat& n = m_incompats[c];
      if (n.kind != cause_kind::no_versions) return false;
      const auto& [p, t] = n.terms.front();
      const package_state& b = m_packages[m_packages[p].base];
      if (b.not_found || b.candidates.empty()) return false;
      for (const candidate& c2 : m_packages[p].candidates) {
        if (t.set.contains(c2.version)) return false;
      }
      // Only when the step widens p's term; when it eliminates p it is the point of the step.
      for (const auto& e : inc.terms) {
        if (e.first == p) return true;
      }
      return false;
    };
    if (vacuous(inc.cause1)) {
      id = inc.cause2;
    } else if (vacuous(inc.cause2)) {
      id = inc.cause1;
    } else {
      return id;
    }
  }
}

std::string solver::external_text(const incompat& inc) const {
  switch (inc.kind) {
    case cause_kind::root:
      return "you require the root package";
    case cause_kind::no_versions: {
      const auto& [p, t] = inc.terms.front();
      const package_state& s = m_packages[p];
      const package_state& b = m_packages[s.base];
      if (b.not_found) return display(s.base) + " was not found in the package registry";
      if (!b.versions_error.empty())
        return "the versions of " + display(s.base) + " could not be read (" + std::string(b.versions_error) +
               ")";
      std::string text;
      const version_ranges rest = t.set.complement();
      bool any_left = false;
      for (const candidate& c : s.candidates) any_left = any_left || rest.contains(c.version);
      if (t.set.is_full() || b.candidates.empty()) {
        text = "there are no usable versions of " + display(p);
      } else if (any_left) {
        text = "only " + display(p) + set_text(rest) + " is available";
      } else {
        text = "there are no usable versions of " + range_text(p, t.set);
      }
      // Hints for versions in range that exist but were not candidates.
      bool pre = false, python = false, yanked = false, dist = false;
      for (const candidate& c : s.candidates) {
        if (!t.set.contains(c.version)) continue;
        pre = pre || (c.version.is_prerelease() && m_options.prerelease == prerelease_mode::disallow);
        python = python || !c.requires_python_ok;
        yanked = yanked || c.yanked;
        dist = dist || !c.has_compatible_dist;
      }
      if (python)
        text += " (some versions in range need a different Python version: " +
                m_environment.python().full_string() + " is the target)";
      if (yanked) text += " (some versions in range are yanked)";
      if (dist) text += " (some versions in range have no compatible wheel or sdist)";
      if (pre) text += " (pre-releases in range are not allowed)";
      return text;
    }
    case cause_kind::unavailable: {
      const auto& [p, t] = inc.terms.front();
      // Only the first line of the reason: parse errors carry a caret diagram below it,
      // which would break the one-sentence-per-line explanation.
      const std::string_view reason(inc.reason);
      const std::string first_line(reason.substr(0, reason.find('\n')));
      if (p == root_id) return first_line;
      return range_text(p, t.set) + " is unusable: " + first_line;
    }
    case cause_kind::dependency: {
      const auto& [p, tp] = inc.terms[0];
      const auto& [q, tq] = inc.terms[1];
      if (p == root_id) return "you require " + term_text(q, tq);
      return term_text(p, tp) + " depends on " + term_text(q, tq);
    }
    case cause_kind::derived:
      break;
  }
  return statement(inc);
}

std::string solver::statement(const incompat& inc) const {
  std::vector<const std::pair<pkg_id, term>*> rest;
  bool has_root = false;
  for (const auto& e : inc.terms) {
    if (e.first == root_id && e.second.positive) {
      has_root = true;
    } else {
      rest.push_back(&e);
    }
  }
  if (rest.empty()) return "your requirements are unsatisfiable";
  if (rest.size() == 1) {
    const auto& [p, t] = *rest.front();
    if (t.positive) return term_text(p, t) + " cannot be used";
    return (has_root ? "you require " : "") + term_text(p, t) + (has_root ? "" : " is required");
  }
  if (rest.size() == 2) {
    const auto* a = rest[0];
    const auto* b = rest[1];
    if (!a->second.positive && b->second.positive) std::swap(a, b);
    if (a->second.positive && !b->second.positive) {
      return term_text(a->first, a->second) + " depends on " + term_text(b->first, b->second);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i != 0) out += i + 1 == rest.size() ? " and " : ", ";
    out += (rest[i]->second.positive ? "" : "not ") + term_text(rest[i]->first, rest[i]->second);
  }
  return out + " are incompatible";
}

std::string solver::conclusion(const incompat& inc) const {
  if (is_terminal(inc)) return "your requirements are unsatisfiable.";
  return "we can conclude that " + statement(inc) + ".";
}

void solver::explain(incompat_id id, std::vector<std::string>& lines, std::vector<pkg_id>& named) const {
  const incompat& inc = m_incompats[id];
  for (const auto& e : inc.terms) named.push_back(m_packages[e.first].base);
  if (inc.kind != cause_kind::derived) return;
  incompat_id c1 = skip_vacuous(inc.cause1);
  incompat_id c2 = skip_vacuous(inc.cause2);
  const bool d1 = m_incompats[c1].kind == cause_kind::derived;
  const bool d2 = m_incompats[c2].kind == cause_kind::derived;
  if (!d1 && !d2) {
    // A dependency reads best first ("a depends on b>=2 and only b<2 is available"), but the
    // user's own requirement last ("... and you require a").
    auto rank = [&](incompat_id c) {
      const incompat& x = m_incompats[c];
      if (x.kind != cause_kind::dependency) return 1;
      return x.terms.front().first == root_id ? 2 : 0;
    };
    if (rank(c2) < rank(c1)) std::swap(c1, c2);
    explain(c1, lines, named);
    explain(c2, lines, named);
    lines.push_back("Because " + external_text(m_incompats[c1]) + " and " + external_text(m_incompats[c2]) +
                    ", " + conclusion(inc));
    return;
  }
  if (d1 && d2) {
    explain(c1, lines, named);
    explain(c2, lines, named);
    lines.push_back("And because we know that " + statement(m_incompats[c1]) + " and " +
                    statement(m_incompats[c2]) + ", " + conclusion(inc));
    return;
  }
  if (!d1) std::swap(c1, c2);
  explain(c1, lines, named);
  explain(c2, lines, named);
  lines.push_back("And because " + external_text(m_incompats[c2]) + ", " + conclusion(inc));
}

resolve_failure solver::failure(incompat_id id) const {
  resolve_failure out;
  out.what = resolve_failure::kind::unsatisfiable;
  std::vector<std::string> lines;
  std::vector<pkg_id> named;
  const incompat& inc = m_incompats[id];
  if (inc.kind != cause_kind::derived) {
    for (const auto& e : inc.terms) named.push_back(m_packages[e.first].base);
    lines.push_back("Because " + external_text(inc) + ", " + conclusion(inc));
  } else {
    explain(id, lines, named);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 0) out.explanation += '\n';
    out.explanation += lines[i];
  }
  for (pkg_id p : named) {
    if (p != root_id) out.packages.emplace_back(m_packages[p].name);
  }
  std::sort(out.packages.begin(), out.packages.end());
  out.packages.erase(std::unique(out.packages.begin(), out.packages.end()), out.packages.end());
  return out;
}

}  // namespace
}  // namespace detail

result<resolution, resolve_failure> resolve(std::span<const packaging::requirement> requirements,
                                            const resolve_options& options, provider& source) {
  for (const auto& req : requirements) {
    if (!packaging::is_valid_name(req.name)) {
      return unexpected(resolve_failure{resolve_failure::kind::invalid_input,
                                        "invalid requirement name '" + std::string(req.name) + "'",
                                        {}});
    }
  }
  detail::solver s(requirements, options, source);
  return s.run();
}

}  // namespace pyresolve::resolver
