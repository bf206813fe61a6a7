#pragma once
// The solver's packages, interned by normalized name (`name[extra]` for an extra): each id's
// state in one table that the PubGrub core, the dependency policy, candidate selection and
// the report share. Which part owns which field is noted at the field.

#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "detail/incompatibility.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/text_hash.hpp"
#include "term.hpp"

namespace pyresolve::resolver::detail {

struct dep_record {
  packaging::version at;
  std::pmr::vector<pkg_id> children;
  // Per child, the marker of the requirement that added it (nullptr: none); a universal
  // resolution writes each pin's marker from them.
  std::pmr::vector<const packaging::marker*> conditions;
};

struct package_state {
  // The core's partial solution: indices into the trail, the intersection of their terms.
  // First: unit propagation reads these for every term of every incompatibility it inspects,
  // and they share cache lines only with each other here.
  std::pmr::vector<std::uint32_t> trail;
  term accum;
  std::pmr::string name;   // normalized base name ("" for root)
  std::pmr::string extra;  // normalized extra, empty for a base package
  pkg_id base = 0;
  std::uint32_t first_seen = UINT32_MAX;
  std::uint32_t conflicts = 0;  // core: conflicts whose latest satisfier was this package's
  // Dependency policy: what the requirements on this package said.
  bool pinned = false;        // some requirement names it with == or ===
  bool user_pinned = false;   // a user requirement, constraint or override does: yanked is usable
  bool explicit_pre = false;  // a user requirement, constraint or override names a pre-release
  bool direct = false;        // the user requires it (lowest-direct)
  // Selection: the versions the provider has.
  bool versions_loaded = false;
  bool not_found = false;
  std::pmr::string versions_error;
  std::span<const candidate> candidates;
  /// The highest `candidate::index_rank` among the candidates (0: one index).
  std::uint8_t last_index_rank = 0;
  // Core: the decision, if p is decided.
  bool decided = false;
  // Selection: the class of this package's newest entry in the decision queue, or no_class.
  std::uint8_t queued_class = 0xff;
  packaging::version decision;
  std::pmr::vector<incompat_id> incompats;  // core: the incompatibilities naming p
  // Dependency policy: versions whose dependency incompatibilities exist.
  std::pmr::vector<dep_record> deps;
  // The versions of `deps`, so that asking again is one lookup: a scan made an unsatisfiable
  // requirement on a project of 20,000 versions quadratic (4.7 s warm).
  std::pmr::unordered_set<packaging::version> deps_at;
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
  // noexcept although version_ranges' move is not declared so (boost's small_vector; it only
  // moves intervals or steals the block). A growing package table that copied its states gave
  // each copy's containers the default resource (a pmr container's copy does not keep its
  // allocator): every later allocation of those packages bypassed the solver's.
  package_state(package_state&&) noexcept = default;
  package_state& operator=(package_state&&) noexcept = default;
};

class package_table {
 public:
  explicit package_table(std::pmr::memory_resource* memory)
      : m_memory(memory), m_states(memory), m_ids(memory), m_order(memory) {
    m_states.reserve(64);
  }

  package_state& operator[](pkg_id p) { return m_states[p]; }
  const package_state& operator[](pkg_id p) const { return m_states[p]; }
  [[nodiscard]] std::size_t size() const { return m_states.size(); }
  /// Packages in first-seen order.
  [[nodiscard]] std::span<const pkg_id> order() const { return m_order; }

  /// The id of `name` (normalized) with `extra` (normalized, or empty), made on first use.
  pkg_id intern(std::string_view name, std::string_view extra) {
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
    const auto id = static_cast<pkg_id>(m_states.size());
    m_states.emplace_back(m_memory);
    package_state& s = m_states.back();
    s.name = name;
    s.extra = extra;
    s.base = id;
    m_ids.emplace(std::move(key), id);
    if (!extra.empty()) m_states[id].base = intern(name, {});
    return id;
  }

  /// Records p as seen, once: the order packages are first seen breaks priority ties.
  void touch(pkg_id p) {
    if (m_states[p].first_seen != UINT32_MAX) return;
    m_states[p].first_seen = static_cast<std::uint32_t>(m_order.size());
    m_order.push_back(p);
  }

  /// p as messages name it: `name` or `name[extra]`.
  [[nodiscard]] std::string display(pkg_id p) const {
    const package_state& s = m_states[p];
    if (s.extra.empty()) return std::string(s.name);
    return std::string(s.name) + "[" + std::string(s.extra) + "]";
  }

 private:
  std::pmr::memory_resource* m_memory;
  std::pmr::vector<package_state> m_states;
  std::pmr::unordered_map<std::pmr::string, pkg_id, text_hash, std::equal_to<>> m_ids;
  std::pmr::vector<pkg_id> m_order;
};

}  // namespace pyresolve::resolver::detail
