#pragma once
// Why a resolve failed, in uv's words: the derivation graph of the incompatibility that ends
// the search, written as "Because ..., we can conclude that ..." sentences, with version sets
// read against the versions that exist.

#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "detail/incompatibility.hpp"
#include "detail/package_table.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::resolver::detail {

class report {
 public:
  report(const package_table& packages, const std::pmr::vector<incompat>& incompats,
         const resolve_options& options)
      : m_packages(packages),
        m_incompats(incompats),
        m_options(options),
        m_environment(options.environment.or_default()) {}

  /// The failure that incompatibility `id` (a terminal one) explains.
  [[nodiscard]] resolve_failure failure(incompat_id id) const;

 private:
  /// `bare_when_all`: a set holding every version reads as the bare name; else the versions
  /// are spelled out (`a==1.0.0`), as uv names the versions the target's Python rules out.
  std::string range_text(pkg_id p, const version_ranges& set, bool bare_when_all = true) const;
  /// A positive term as the subject of a sentence: "all versions of a" when it holds every
  /// version, as uv says it; `plural` tells the verb.
  std::string subject_text(pkg_id p, const version_ranges& set, bool& plural) const;
  std::string available_text(pkg_id p, const version_ranges& set) const;
  std::optional<packaging::version> python_needed(pkg_id p, const version_ranges& set) const;
  void find_python_shortfall(incompat_id id, resolve_failure& out) const;
  std::string term_text(pkg_id p, const term& t) const;
  incompat_id skip_vacuous(incompat_id id) const;
  std::optional<incompat_id> not_found_leaf(incompat_id id) const;
  std::string external_text(const incompat& inc) const;
  std::string statement(const incompat& inc) const;
  std::string conclusion(const incompat& inc) const;
  /// A requirement of the user's ("you require a").
  // What a dependency incompatibility depends on, as written (`a==1.0.0`).
  std::string depended_text(const incompat& dependency) const;
  bool is_root_dependency(incompat_id id) const;
  void explain(incompat_id id, std::vector<std::string>& lines, std::vector<pkg_id>& named) const;

  const package_table& m_packages;
  const std::pmr::vector<incompat>& m_incompats;
  const resolve_options& m_options;
  const packaging::target_environment& m_environment;
};

}  // namespace pyresolve::resolver::detail
