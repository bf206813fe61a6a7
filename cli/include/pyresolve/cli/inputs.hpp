#pragma once
/// @file
/// The sources of a resolve: requirements files (`-` for standard input, with `-r`/`-c`
/// nesting) and `pyproject.toml` (`[project] dependencies` and optional dependencies).

#include <istream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pyresolve/cli/options.hpp"
#include "pyresolve/packaging/direct_reference.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// A user requirement and where it was written, for `# via -r FILE` annotations.
struct user_requirement {
  user_requirement(packaging::requirement r, std::string from)
      : requirement(std::move(r)), source(std::move(from)), name(requirement.normalized_name()) {}

  packaging::requirement requirement;
  /// `-r requirements.in`, `-r -` (stdin) or `name (pyproject.toml)`, as uv writes them.
  std::string source;
  /// The PEP 503 name, normalized once: output matches every pin against every requirement.
  std::string name;
};

/// A requirement naming a direct source (`name @ url`, a bare path or URL, `-e ./proj`).
struct direct_input {
  packaging::direct_reference reference;
  /// `name @ url`: the name as written (its requirement is in `user_input::requirements`);
  /// empty for an unnamed entry, whose name only its metadata gives.
  std::string name;
  std::vector<std::string> extras;  ///< unnamed entries: `./proj[cli]`
  std::string marker;               ///< unnamed entries: after ` ;`
  std::string source;               ///< as `user_requirement::source`
  std::string origin;               ///< `file:line`, for errors
};

/// Everything read from the sources, constraint and override files.
struct user_input {
  std::vector<user_requirement> requirements;
  std::vector<packaging::requirement> constraints;
  std::vector<packaging::requirement> overrides;
  /// Where each constraint and override was written, for `# via`: `-c constraints.txt`,
  /// `--override overrides.txt` (same order as `constraints` and `overrides`).
  std::vector<std::string> constraint_sources;
  std::vector<std::string> override_sources;
  /// `-b` files: constraints on the build environments.
  std::vector<packaging::requirement> build_constraints;
  /// `--excludes` files: the normalized names to leave out of the resolution.
  std::vector<std::string> excludes;
  /// `-i` / `--extra-index-url` / `--no-index` found inside the files.
  packaging::index_options index;
  /// Options inside the files that do not affect a resolve, for a warning.
  std::vector<std::string> ignored;
  /// `[project] requires-python` of a pyproject.toml source (checked to be a specifier set).
  std::optional<std::string> requires_python;
  /// The direct sources among the requirements, in reading order.
  std::vector<direct_input> directs;
};

/// Reads every source of `opt` (and its constraint and override files); `stdin_stream` is
/// read for `-`. Errors name the file (with line and column for parse errors). Direct
/// sources are parsed (relative paths against the naming file's folder) into `directs`, not
/// read: unnamed ones get their requirement once their metadata is known.
[[nodiscard]] result<user_input> read_inputs(const options& opt, std::istream& stdin_stream);

/// Reads `[project] dependencies` of a pyproject.toml text, plus the optional-dependency
/// groups named in `extras` (all of them with `all_extras`). An extra that the file does not
/// define is an error, as in uv.
/// `requires_python`, when given, receives `[project] requires-python` (an invalid specifier
/// set is an error naming the file and line). `groups` are `[dependency-groups]` to add;
/// with `groups_only`, they alone are read (uv's `--group` without a source file).
[[nodiscard]] result<std::vector<user_requirement>> read_pyproject(
    const std::string& text, const std::string& path, const std::vector<std::string>& extras, bool all_extras,
    std::optional<std::string>* requires_python = nullptr, const std::vector<std::string>& groups = {},
    bool groups_only = false);

}  // namespace pyresolve::cli
