#pragma once
/// @file
/// Where a requirement says its distribution is, when not on an index: the URL of
/// `name @ url` (PEP 508, PEP 440 direct references), a bare path or URL on a requirements
/// line (`./proj`, `https://host/x-1.0-py3-none-any.whl`), or the target of `-e`.
///
/// Parsing only: nothing here touches the file system or the network. The kinds are decided
/// from the text, as pip and uv do: a `git+` scheme is a repository, a path or URL whose last
/// segment ends in a wheel or sdist extension is an archive, any other path is a project
/// directory (an `http(s)` URL must name an archive).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

enum class direct_kind : std::uint8_t {
  archive,    ///< a wheel or an sdist, remote (`http(s)`) or local
  directory,  ///< a local project directory
  git,        ///< a git repository at a ref
};

/// One `#algorithm=hexdigest` fragment (`sha256`, `sha384`, `sha512`, `md5`), lowercase.
struct PYRESOLVE_API direct_hash {
  std::string algorithm;
  std::string digest;
  friend bool operator==(const direct_hash&, const direct_hash&) = default;
};

/// A parsed direct reference.
struct PYRESOLVE_API direct_reference {
  direct_kind kind = direct_kind::archive;
  /// The text as written (after `${VAR}` expansion): what the output writes back, so that
  /// relative paths stay relative.
  std::string given;
  /// `http(s)` archives: the URL without its fragment. Empty for local sources.
  std::string url;
  /// Local archives and directories: the path, made absolute against the base directory
  /// (percent-escapes of a `file:` URL decoded). Empty otherwise.
  std::filesystem::path path;
  /// Git: the repository as `git` is given it (`https://host/repo.git`, `file:///srv/repo`),
  /// without `git+`, the ref and the fragment.
  std::string repository;
  /// Git: the ref after the last `@` of the URL's path (a branch, a tag or a commit); empty
  /// for the remote's default branch.
  std::string ref;
  /// `#subdirectory=`: where the project sits inside the repository, archive or directory;
  /// relative, without `..` segments.
  std::string subdirectory;
  /// Archives: the file name, the last segment of the URL or path (percent-decoded).
  std::string filename;
  std::vector<direct_hash> hashes;  ///< `#sha256=...` fragments (and `--hash` options)
  bool editable = false;            ///< `-e`: a directory only

  /// The URL form, for `name @ ...` in outputs and for comparing two references: `given`
  /// for URLs and for paths (which stay as written). Git's ref is replaced by `commit` when
  /// one is given.
  [[nodiscard]] std::string written(std::string_view commit = {}) const;
};

/// Parses `text` (the URL of `name @ url`, a bare path or URL, or an `-e` target). Relative
/// paths, and `file:` URLs without a host part that are relative (`file:../x`), are joined
/// onto `base_directory`. Schemes: `http`, `https`, `file`, `git+https`, `git+http`,
/// `git+ssh`, `git+file`; anything else (another VCS, `ftp:`, a `-`-led text that a
/// subprocess could read as an option) is an error saying so. Errors are
/// `errc::invalid_requirement` with `text` in the message.
[[nodiscard]] PYRESOLVE_API result<direct_reference> parse_direct_reference(
    std::string_view text, const std::filesystem::path& base_directory, bool editable = false);

/// A requirements-file line without a name (`./proj[cli] ; python_version >= "3.9"`): the
/// reference, the extras in brackets at its end and the marker after ` ;` or `; `.
struct PYRESOLVE_API unnamed_requirement {
  direct_reference reference;
  std::vector<std::string> extras;  ///< as written
  std::string marker;               ///< the marker's text; empty when none
};

/// Splits and parses such a line (`parse_direct_reference` for the reference).
[[nodiscard]] PYRESOLVE_API result<unnamed_requirement> parse_unnamed_requirement(
    std::string_view text, const std::filesystem::path& base_directory, bool editable = false);

/// Whether `filename` ends in a wheel or sdist extension (`.whl`, `.tar.gz`, `.zip`, ...).
[[nodiscard]] PYRESOLVE_API bool is_archive_filename(std::string_view filename) noexcept;

}  // namespace pyresolve::packaging
