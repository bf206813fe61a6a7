#pragma once
/// @file
/// The metadata of a distribution that is not on an index: a wheel or sdist at a URL or path,
/// a project directory, a git repository at a ref (`packaging::direct_reference`).
///
/// What is read: a wheel's `*.dist-info/METADATA` (range requests into a remote wheel, as for
/// index files); an sdist's `PKG-INFO` when it is final (Metadata 2.2+, `Requires-Dist` not
/// dynamic); a project's static `[project]` table. Only when none of these gives the
/// metadata is the project built (`build_metadata`), and only when `build` is set; otherwise
/// that is an error naming the source.
///
/// Git runs the `git` program: the repository is fetched into a bare repository in the
/// cache (`<cache>/git-v1/<sha256 of the URL>`), the ref resolved to a commit, and
/// `pyproject.toml` read out of that commit (checked out under `<cache>/git-v1/checkouts/`
/// only for a build). A ref that is already a full commit present in the cache is used
/// without fetching; `offline` never fetches.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/metadata_build.hpp"
#include "pyresolve/packaging/direct_reference.hpp"
#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index {

struct PYRESOLVE_API direct_source_options {
  /// The cache's root (git repositories live under it); empty: git sources are an error.
  std::filesystem::path cache_dir;
  bool offline = false;
  /// How long one `git` command may run.
  std::chrono::seconds git_timeout{600};
  /// Read every archive whole, to know its sha256 (for `--generate-hashes` and
  /// pylock.toml); otherwise a wheel without `#sha256=` is read by ranges.
  bool hash = false;
  /// How to build metadata that is not static (`metadata_build.hpp`); nullopt: never build,
  /// such a source is an error naming it (`--no-build`).
  std::optional<build_options> build;
  /// The largest local archive read whole (an sdist, or a wheel with a `#sha256=`).
  std::uint64_t max_archive_bytes = std::uint64_t{1} << 30U;
};

/// A direct source with its metadata.
struct PYRESOLVE_API direct_distribution {
  packaging::direct_reference reference;
  packaging::core_metadata metadata;
  /// Git: the commit the ref resolved to (40 hex digits). Empty otherwise.
  std::string commit;
  /// Archives: the sha256 of the file, when it was read whole or given in the reference.
  std::string sha256;
  std::optional<std::uint64_t> size;  ///< archives read whole: their size
};

/// Reads the metadata of `reference`. `client` serves `http(s)` archives (and its HTTP
/// client's credentials and limits apply). Errors name the source (URL redacted) and say
/// what is wrong: not found, a hash mismatch (`#sha256=` is checked whenever given, by
/// reading the whole file), a corrupt archive, a build needed, a git failure with the tail
/// of git's message.
[[nodiscard]] PYRESOLVE_API result<direct_distribution> read_direct_source(
    const packaging::direct_reference& reference, index_client& client, const direct_source_options& options);

/// The core metadata of a project directory's static `[project]` table: its name, version,
/// Requires-Python, dependencies and optional dependencies (as `Requires-Dist` with
/// `extra == "group"` markers). nullopt when only a build would tell: no `[project]` table, or
/// `name`, `version`, `dependencies` or `optional-dependencies` missing or computed by the
/// backend (`dynamic`). An error for a malformed file.
[[nodiscard]] PYRESOLVE_API result<std::optional<packaging::core_metadata>> static_project_metadata(
    std::string_view pyproject_text, const std::string& path);

}  // namespace pyresolve::index
