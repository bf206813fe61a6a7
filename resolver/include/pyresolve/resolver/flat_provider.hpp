#pragma once
/// @file
/// `--find-links`: distribution files listed flat (a folder, or an HTML page of links), merged
/// with what another provider serves, as pip and uv merge them. A version only the flat
/// listing has becomes a candidate of its project (metadata read from its best file: a wheel
/// fitting the target, else the sdist's final `PKG-INFO`); a version both have stays the
/// other provider's, its flat files counting towards a compatible file.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/export.hpp"

namespace pyresolve::resolver {

class PYRESOLVE_API flat_provider final : public provider {
 public:
  /// `files`: every listed file, of any project; `client` reads their metadata (`file:` links
  /// are allowed through it). `universal`: every wheel counts as compatible. `bounds`: how
  /// Requires-Python is read against the target.
  flat_provider(provider& inner, index::project_page files, index::index_client& client,
                const packaging::target_environment& environment = {}, bool universal = false,
                python_bounds bounds = python_bounds::lower_only);

  result<std::span<const candidate>> versions(std::string_view name) override;
  result<std::span<const packaging::requirement>> dependencies(std::string_view name,
                                                               const packaging::version& version) override;
  result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) override;
  void prefetch(std::string_view name) override { m_inner.prefetch(name); }
  [[nodiscard]] bool concurrent() const noexcept override { return m_inner.concurrent(); }

  /// The flat files of a version only the listing has (for hashes and pylock.toml); nullptr
  /// for any other.
  [[nodiscard]] const index::version_entry* files(std::string_view name,
                                                  const packaging::version& version) const;

 private:
  struct project {
    std::vector<candidate> candidates;
    index::version_map flat;
    std::set<packaging::version> flat_only;
    std::map<packaging::version, packaging::core_metadata> metadata;
  };
  [[nodiscard]] bool flat_only(std::string_view name, const packaging::version& version) const;
  [[nodiscard]] bool fits(const index::version_entry& entry, bool& python_ok) const;
  [[nodiscard]] const index::version_file* best_file(const index::version_entry& entry) const;

  provider& m_inner;
  index::project_page m_files;
  index::index_client& m_client;
  packaging::target_environment m_environment;
  std::optional<packaging::version> m_python;
  bool m_universal;
  python_bounds m_bounds;
  mutable std::mutex m_mutex;
  std::map<std::string, std::unique_ptr<project>, std::less<>> m_projects;
};

}  // namespace pyresolve::resolver
