#pragma once
/// @file
/// The interface through which the solver reads packages. The solver calls nothing else, so
/// an embedder can serve packages from memory, from its own index or from a cache.

#include <span>
#include <string_view>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::resolver {

/// How a version's Requires-Python is read against the target.
enum class python_bounds : unsigned char {
  /// As uv: only the lower bounds count (`<3.9` does not rule out 3.11; see
  /// `specifier_set::admits_python_from`).
  lower_only,
  /// As pip: the whole specifier must contain the target.
  all,
};

/// Whether Requires-Python `spec` admits target interpreter `python`, read as `bounds` says.
[[nodiscard]] inline bool python_admitted(const packaging::specifier_set& spec,
                                          const packaging::version& python, python_bounds bounds) {
  return bounds == python_bounds::all ? spec.contains(python, true) : spec.admits_python_from(python);
}

/// One version of a project as the index lists it, with the facts the solver filters on.
struct PYRESOLVE_API candidate {
  packaging::version version;
  /// Every file of this version is yanked (PEP 592): used only when pinned with `==`/`===`.
  bool yanked = false;
  /// The version's Requires-Python admits the target interpreter (as `python_bounds` reads it).
  bool requires_python_ok = true;
  /// A wheel compatible with the target exists, or an sdist.
  bool has_compatible_dist = true;
  /// The version's Requires-Python, when the provider knows it (nullptr: none, or unknown):
  /// a universal resolution checks it against each fork's lowest Python instead of
  /// `requires_python_ok`, and an explanation names the Python it needs. Valid while the
  /// provider lives.
  const packaging::specifier_set* requires_python = nullptr;
  /// The position of the index this version was taken from, under
  /// `index::index_strategy::unsafe_first_match` (every version of a lower rank is tried
  /// first); 0 otherwise.
  std::uint8_t index_rank = 0;
};

/// Serves project versions and their dependencies. Called from one solver thread at a time,
/// unless `concurrent()`. Spans returned stay valid until the provider is destroyed.
class PYRESOLVE_API provider {
 public:
  virtual ~provider() = default;

  /// All versions of the project with PEP 503-normalized `name`, sorted ascending.
  /// An error with `errc::not_found` when the project does not exist; any other error means
  /// the project's versions could not be read.
  [[nodiscard]] virtual result<std::span<const candidate>> versions(std::string_view name) = 0;

  /// The `Requires-Dist` of one version, markers unevaluated (the solver evaluates them for
  /// the target environment and each requested extra). An error when the metadata is
  /// unavailable or invalid; the solver then treats that version as unusable.
  [[nodiscard]] virtual result<std::span<const packaging::requirement>> dependencies(
      std::string_view name, const packaging::version& version) = 0;

  /// What the solver asks for a package requested without extras: `dependencies`, except
  /// that a provider may leave out the requirements whose marker is false without an extra
  /// (`packaging::marker::false_without_extra`), which such a package never has. Same order
  /// as `dependencies`, same errors. The default returns `dependencies(name, version)`.
  [[nodiscard]] virtual result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) {
    return dependencies(name, version);
  }

  /// A hint: the solver will soon ask for `versions(name)` (and the dependencies of its best
  /// candidate). A provider that loads in the background starts now; the default does nothing.
  virtual void prefetch(std::string_view name) { static_cast<void>(name); }

  /// Whether `versions`, both `dependencies` and `prefetch` may be called from several
  /// threads at once, every answer the same whoever asks first: a universal resolution then
  /// solves its forks in parallel. The default: no.
  [[nodiscard]] virtual bool concurrent() const noexcept { return false; }
};

}  // namespace pyresolve::resolver
