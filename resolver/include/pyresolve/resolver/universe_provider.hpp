#pragma once
/// @file
/// An in-memory provider built from a universe JSON file (the format of the peers'
/// `universe_*.json`: `{"packages": {name: {version: {"requires_dist": [...],
/// "requires_python": "..."}}}}`, with optional `"yanked": true`).

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/export.hpp"

namespace pyresolve::resolver {

/// Serves every package of a universe from memory. Requirements are parsed once, at load.
class PYRESOLVE_API universe_provider final : public provider {
 public:
  /// Parses a universe document. `environment` decides each version's `requires_python_ok`
  /// (an empty one: the default target).
  [[nodiscard]] static result<std::unique_ptr<universe_provider>> from_json(
      std::string_view json, const packaging::target_environment& environment);
  /// Reads and parses a universe file; errors name the file.
  [[nodiscard]] static result<std::unique_ptr<universe_provider>> from_file(
      const std::string& path, const packaging::target_environment& environment);

  ~universe_provider() override;
  universe_provider(const universe_provider&) = delete;
  universe_provider& operator=(const universe_provider&) = delete;

  [[nodiscard]] result<std::span<const candidate>> versions(std::string_view name) override;
  /// Read-only once built: any number of threads may ask at once.
  [[nodiscard]] bool concurrent() const noexcept override { return true; }
  [[nodiscard]] result<std::span<const packaging::requirement>> dependencies(
      std::string_view name, const packaging::version& version) override;

  /// Number of projects loaded.
  [[nodiscard]] std::size_t size() const noexcept;

  struct impl;  ///< Implementation detail.

 private:
  explicit universe_provider(std::unique_ptr<impl> state) noexcept;
  std::unique_ptr<impl> m_impl;
};

}  // namespace pyresolve::resolver
