#pragma once
/// @file
/// Core metadata from a project's build backend (PEP 517), for a source whose metadata is
/// not static: `prepare_metadata_for_build_wheel` (or `_editable`), else `build_wheel` and
/// its `METADATA`.
///
/// The hooks run in a separate `python -I` process (`detail::hook_runner_source`, written to
/// `<cache>/build-v1/runner-<digest>.py`), in the project's folder, with a deadline. With
/// isolation (the default) the interpreter runs without its site packages (`-S`) and with an
/// environment made of wheels only: `[build-system].requires` (default
/// `setuptools>=40.8.0`) plus what `get_requires_for_build_*` adds, resolved and fetched by the
/// caller (`build_options::wheels_for`) and unpacked into `<cache>/build-v1/env-<digest of
/// the wheel files>`, shared by every build that needs the same set. The metadata is cached
/// in `<cache>/build-v1/metadata-<digest of the source's identity>`, so a second run builds
/// nothing.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index {

struct PYRESOLVE_API build_options {
  std::filesystem::path cache_dir;    ///< required: runner, environments and metadata live there
  std::string python = "python3";     ///< the interpreter (a path, or a name looked up on PATH)
  bool isolation = true;              ///< false: the interpreter's own packages (`--no-build-isolation`)
  std::chrono::seconds timeout{600};  ///< per hook process
  /// PEP 517 `config_settings` given to every hook (`-C KEY=VALUE`, in order; a key given
  /// several times becomes a list, as in uv). Part of the built metadata's cache key.
  std::vector<std::pair<std::string, std::string>> config_settings;
  /// Isolation: resolves these requirements (wheels only) and returns the wheel files to
  /// unpack, local paths. An error stops the build with it.
  std::function<result<std::vector<std::filesystem::path>>(const std::vector<packaging::requirement>&)>
      wheels_for;
};

/// The metadata of the project in `project_dir`, built. `identity` names the source's state
/// (an archive's hash, a git commit, a directory's path and the mtimes of its build files):
/// metadata cached under it is reused. `label` names the source in errors, which carry the
/// last lines of the backend's standard error when a hook fails.
[[nodiscard]] PYRESOLVE_API result<packaging::core_metadata> build_metadata(
    const std::filesystem::path& project_dir, bool editable, const std::string& identity,
    const std::string& label, const build_options& options);

/// The metadata of the sdist `archive` (the bytes of `filename`), built: its regular files and
/// folders are extracted (nothing outside the destination, no links) into a temporary folder
/// under the cache, and its one top-level folder built. Cached under the archive's sha256.
[[nodiscard]] PYRESOLVE_API result<packaging::core_metadata> build_sdist_metadata(
    std::string_view archive, const std::string& filename, const std::string& label,
    const build_options& options);

/// The identity of a local project directory for `build_metadata`: its absolute path and the
/// modification times of `pyproject.toml`, `setup.py` and `setup.cfg` (as uv keys it).
[[nodiscard]] PYRESOLVE_API std::string directory_identity(const std::filesystem::path& project_dir);

}  // namespace pyresolve::index
