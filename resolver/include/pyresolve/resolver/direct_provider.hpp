#pragma once
/// @file
/// Packages the user gave by URL or path (`name @ url`, `./proj`, `-e ./proj`, `git+...`)
/// over any other provider: each such name has exactly one version, the one its source's
/// metadata declares, with that metadata's requirements.
///
/// It also keeps index metadata from sending the resolve elsewhere: a requirement with a URL
/// (`x @ https://...`) in a package that is not itself a direct one is allowed only when the
/// user required `x` by that same URL; otherwise that version cannot be used, and the
/// explanation says why (uv refuses such requirements too).

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/export.hpp"

namespace pyresolve::resolver {

/// One package from a direct source.
struct PYRESOLVE_API direct_package {
  std::string name;  ///< any spelling; normalized by the provider
  packaging::version version;
  std::vector<packaging::requirement> requires_dist;
  std::optional<packaging::specifier_set> requires_python{};
  /// The source as the user wrote it: URL requirements elsewhere must name the same one.
  std::string url;
  /// Other spellings of the same source that requirements may use (an absolute `file:` URL
  /// for a relative path, a git URL with its commit instead of the ref).
  std::vector<std::string> aliases{};
  /// A wheel whose tags the target accepts, or any other source kind.
  bool has_compatible_dist = true;
};

class PYRESOLVE_API direct_provider final : public provider {
 public:
  /// `environment` decides each package's `requires_python_ok` (empty: the default target),
  /// its Requires-Python read as `bounds` says.
  direct_provider(provider& inner, std::vector<direct_package> packages,
                  const packaging::target_environment& environment = {},
                  python_bounds bounds = python_bounds::lower_only);

  result<std::span<const candidate>> versions(std::string_view name) override;
  result<std::span<const packaging::requirement>> dependencies(std::string_view name,
                                                               const packaging::version& version) override;
  result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) override;
  void prefetch(std::string_view name) override;
  [[nodiscard]] bool concurrent() const noexcept override { return m_inner.concurrent(); }

  /// The direct package named `name` (any spelling), or nullptr.
  [[nodiscard]] const direct_package* find(std::string_view name) const;

 private:
  struct entry {
    direct_package package;
    candidate only;
  };
  result<std::span<const packaging::requirement>> checked(
      std::string_view name, result<std::span<const packaging::requirement>> got) const;
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  [[nodiscard]] const entry* lookup(std::string_view normalized) const;
  provider& m_inner;
  // By normalized name; never changes after construction.
  std::unordered_map<std::string, entry, name_hash, std::equal_to<>> m_packages;
};

}  // namespace pyresolve::resolver
