#pragma once
/// @file
/// The static `[project]` table of a `pyproject.toml` (PEP 621): what a resolver can know of a
/// project without running its build backend.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// A value of the file and where it was written (1-based).
struct PYRESOLVE_API pyproject_position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// One requirement string of `dependencies` or of an optional-dependency group.
struct PYRESOLVE_API pyproject_requirement {
  packaging::requirement requirement;
  pyproject_position at;
};

/// One group of `[project.optional-dependencies]`, in file order.
struct PYRESOLVE_API pyproject_extra {
  std::string name;  ///< as written
  std::vector<pyproject_requirement> requirements;
};

/// One group of `[dependency-groups]` (PEP 735): requirements and `{include-group = "name"}`
/// entries, in file order.
struct PYRESOLVE_API pyproject_dependency_group {
  std::string name;  ///< as written
  struct entry {
    std::optional<pyproject_requirement> requirement;  ///< a requirement string
    std::string include;                               ///< else the group it includes, as written
    pyproject_position at;
  };
  std::vector<entry> entries;
};

/// The `[project]` table, every key checked for its type. A field listed in `dynamic` is
/// what a build backend would compute: its value here is absent or incomplete.
struct PYRESOLVE_API pyproject_project {
  std::optional<std::string> name;  ///< as written
  std::optional<packaging::version> version;
  std::optional<specifier_set> requires_python;
  std::string requires_python_text;  ///< as written; empty when absent
  pyproject_position requires_python_at;
  std::vector<pyproject_requirement> dependencies;
  std::vector<pyproject_extra> optional_dependencies;
  /// `dynamic`, as written, each with its position.
  std::vector<std::pair<std::string, pyproject_position>> dynamic;
  bool has_build_system = false;  ///< a `[build-system]` table exists
  bool has_project = false;       ///< a `[project]` table exists (else every field is empty)
  /// `[dependency-groups]` (a top-level table, read whether or not `[project]` exists).
  std::vector<pyproject_dependency_group> dependency_groups;

  /// Whether `field` (`dependencies`, `version`, ...) is listed in `dynamic`; the position of
  /// that item, else nullopt.
  [[nodiscard]] std::optional<pyproject_position> dynamic_field(std::string_view field) const;
};

/// The `[build-system]` table (PEP 518, PEP 517).
struct PYRESOLVE_API pyproject_build_system {
  bool present = false;                              ///< the table exists
  std::vector<packaging::requirement> requirements;  ///< `requires`; empty when absent
  bool has_requires = false;                         ///< `requires` was given
  std::string backend;                               ///< `build-backend`; empty when absent
  std::vector<std::string> backend_path;             ///< `backend-path`, relative to the project
};

/// Reads only `[build-system]` of a `pyproject.toml` (a file without `[project]` is fine), with
/// the same checks as `parse_pyproject`.
[[nodiscard]] PYRESOLVE_API result<pyproject_build_system> parse_build_system(std::string_view text,
                                                                              const std::string& path);

/// Parses `text`, the content of the file `path` (named in errors, which are
/// `errc::invalid_requirements_file` with line and column). A file without a `[project]`
/// table gives `has_project == false`. Every requirement string is parsed (`name @ url` included), and every
/// optional-dependency group is checked, asked for or not. The file must be TOML 1.0 (an
/// error names the line and column where it stops being so), with tables, arrays and dotted
/// keys nested at most 128 levels deep.
[[nodiscard]] PYRESOLVE_API result<pyproject_project> parse_pyproject(std::string_view text,
                                                                      const std::string& path);

}  // namespace pyresolve::packaging
