#pragma once
// Which version of a package to try (candidate selection's second half): the provider's
// versions, read once per project, filtered by the partial solution's range, yanked status,
// Requires-Python and compatible files, then ordered by the preferences (existing pins), the
// strategy (highest, lowest, lowest-direct) and the pre-release mode.

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "detail/package_table.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::resolver::detail {

class version_selector {
 public:
  /// `unreadable` receives the first read the provider failed (errc::io_error).
  version_selector(package_table& packages, const resolve_options& options, provider& source,
                   const packaging::version& root_version, std::optional<std::string>& unreadable);

  /// Reads p's versions from the provider, once (an extra shares its base package's).
  void load_versions(pkg_id p);
  /// The version of p to try next within p's accumulated term, or nullopt when none is usable.
  /// `any_python`: as if every version's Requires-Python were met (what a universal
  /// resolution would take if it split its Python range for it).
  std::optional<packaging::version> choose(pkg_id p, bool any_python = false);

 private:
  package_table& m_packages;
  const resolve_options& m_options;
  provider& m_provider;
  const packaging::version& m_root_version;
  std::optional<std::string>& m_unreadable;
  std::pmr::unordered_map<std::pmr::string, packaging::version, text_hash, std::equal_to<>> m_preferences;
};

}  // namespace pyresolve::resolver::detail
