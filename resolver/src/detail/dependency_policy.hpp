#pragma once
// Python's dependency policy: what a package version's requirements mean as PubGrub
// incompatibilities. Markers are evaluated for the target (an extra's requirements only for
// that extra, which also depends on its base package at the same version); constraints
// narrow, overrides replace, URLs and `==`/`===` pin; consecutive versions with the same
// requirement share one incompatibility. The policy also records what selection reads back:
// pins, user pins, explicit pre-releases, direct requirements.

#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/decision_queue.hpp"
#include "detail/fork.hpp"
#include "detail/package_table.hpp"
#include "detail/pubgrub_core.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::resolver::detail {

class dependency_policy {
 public:
  /// `unreadable` receives the first read the provider failed (errc::io_error). With a
  /// `fork` (a universal resolution), a requirement applies when its marker holds somewhere in
  /// the fork, and a version whose requirements on one package split the fork records the
  /// split there.
  dependency_policy(std::span<const packaging::requirement> requirements, const resolve_options& options,
                    provider& source, package_table& packages, pubgrub_core& core, decision_queue& queue,
                    std::optional<std::string>& unreadable, fork_context* fork = nullptr);

  /// Adds the incompatibilities of p at v (the root's: the user's requirements), once per
  /// version. False when v's dependencies could not be read (v is then unusable).
  bool add_dependencies(pkg_id p, const packaging::version& v);
  /// (extra package, version) pairs whose version does not define the extra.
  [[nodiscard]] std::span<const std::pair<pkg_id, packaging::version>> unknown_extras() const {
    return m_unknown_extras;
  }

 private:
  void add_dependency(pkg_id p, const packaging::version& v, pkg_id q, const version_ranges& range,
                      dep_record& rec, const packaging::requirement* written = nullptr);
  /// In a fork: records the split that `applied` (this version's requirements that apply, in
  /// order) calls for, read for `extra`.
  void find_split(std::span<const packaging::requirement* const> applied, std::string_view extra);
  version_ranges ranges_of(const packaging::specifier_set& set);
  /// Whether the package named `name` (any spelling) is excluded (`resolve_options::excludes`).
  [[nodiscard]] bool excluded(std::string_view name) const;

  std::span<const packaging::requirement> m_requirements;
  const packaging::target_environment& m_environment;  // the options' target, or the default
  provider& m_provider;
  package_table& m_packages;
  pubgrub_core& m_core;
  decision_queue& m_queue;
  std::optional<std::string>& m_unreadable;
  fork_context* m_fork;
  std::pmr::memory_resource* m_memory;
  // Options by normalized name.
  using requirement_lists =
      std::pmr::unordered_map<std::pmr::string, std::pmr::vector<const packaging::requirement*>, text_hash,
                              std::equal_to<>>;
  requirement_lists m_constraints{m_memory};
  requirement_lists m_overrides{m_memory};
  std::pmr::vector<std::pmr::string> m_excluded{m_memory};  // sorted
  // specifier_set::to_ranges by the clauses' parts: a requirement recurs in version after
  // version of a project (awscli's thousand releases), and converting it again each time was
  // a twentieth of a top-1,000 solve.
  std::pmr::unordered_map<std::pmr::string, version_ranges, text_hash, std::equal_to<>> m_ranges{m_memory};
  std::string m_ranges_key;
  std::pmr::vector<std::pair<pkg_id, packaging::version>> m_unknown_extras{m_memory};
};

}  // namespace pyresolve::resolver::detail
