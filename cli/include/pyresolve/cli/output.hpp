#pragma once
/// @file
/// Writers of a resolution: requirements.txt in the shape of `uv pip compile`, a PEP 751
/// `pylock.toml`, and a JSON report. Pure functions of their inputs, so they are tested on
/// resolutions built in memory.

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/cli/inputs.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/index/direct_source.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// Where a resolved package's files came from, as the provider knows it.
struct package_source {
  std::string index_url;                        ///< empty when unknown
  const index::version_entry* files = nullptr;  ///< nullptr when unknown
};

/// Looks up the files and index of one resolved package.
using source_lookup = std::function<package_source(std::string_view name, const packaging::version& version)>;

/// One named duration of the run, for `-v` and the JSON report.
struct timing {
  std::string name;
  std::chrono::nanoseconds duration{0};
};

/// Everything a writer needs beside the resolution.
struct render_context {
  const options* opt = nullptr;
  const user_input* input = nullptr;
  /// The index URL then the extra index URLs, as given (empty with --no-index). (uv's search
  /// order puts the extra ones first; this is the order `--emit-index-url` writes.)
  std::vector<std::string> index_urls;
  /// `-f` locations, the command line's then the files' (`--emit-find-links` writes them).
  std::vector<std::string> find_links;
  source_lookup sources;
  std::string python_version;   ///< the target's `X.Y[.Z]`
  std::string python_platform;  ///< as given, or as probed
  /// `--universal`: the Requires-Python of the environments resolved for (`>=3.9`); empty
  /// otherwise.
  std::string requires_python;
  std::vector<timing> timings;
  std::string allocator;  ///< the --allocator strategy
  /// `--no-binary` / `--only-binary` in effect, the files' then the command line's, as given
  /// (`--emit-build-options` writes them).
  std::vector<std::string> no_binary;
  std::vector<std::string> only_binary;
  /// The packages from direct sources (URLs, paths, git), by normalized name; may be null.
  const std::map<std::string, index::direct_distribution>* directs = nullptr;
};

/// requirements.txt as `uv pip compile` writes it. Fails (naming the package and the index)
/// when `--generate-hashes` is set and the index gives no sha256 for a pinned version.
[[nodiscard]] result<std::string> render_requirements_txt(const resolver::resolution& resolution,
                                                          const render_context& context);

/// A PEP 751 lock file (`lock-version = "1.0"`): every package with its index, and its wheels
/// and sdist with URLs and sha256 hashes (files without a hash are left out: PEP 751 requires
/// one).
[[nodiscard]] result<std::string> render_pylock(const resolver::resolution& resolution,
                                                const render_context& context);

/// The JSON report (schema in README.md, "Command line").
[[nodiscard]] result<std::string> render_json(const resolver::resolution& resolution,
                                              const render_context& context);

/// The `# via` entries of a package, as uv orders them: the constraint and override files
/// naming it, then the sources of the user requirements naming it (in reading order, without
/// duplicates), then its parents in name order; with `annotation_style::line`, the parents
/// first.
[[nodiscard]] std::vector<std::string> via_entries(const resolver::resolved_package& package,
                                                   const user_input& input,
                                                   annotation_style style = annotation_style::split);

/// The marker to write after a pin: kept only when every requirement on the package is a
/// user requirement with a marker (`(a) or (b)` when they differ); empty otherwise.
[[nodiscard]] std::string kept_marker(const resolver::resolved_package& package, const user_input& input);

/// A pin's marker: the resolution's own in a universal resolution, else `kept_marker`
/// (requirements.txt writes it only with `--no-strip-markers` or `--universal`).
[[nodiscard]] std::string marker_of(const resolver::resolved_package& package, const render_context& context);

/// `resolve ARGS…` for the header and the report: shell-quoted, credentials stripped from
/// every URL (`-i https://user:token@host/simple` shows `https://host/simple`).
[[nodiscard]] std::string command_line(const std::vector<std::string>& args);

/// The header's command, as uv writes it: `--custom-compile-command` when given, else the
/// command line without what does not change the answer (`-q`, `-v`, `--no-progress`,
/// `--color`, `--cache-dir`, `-U`, `-P`, `--custom-compile-command`), without index URLs
/// unless `--emit-index-url` is given and without `--find-links` unless `--emit-find-links` is.
[[nodiscard]] std::string header_command(const options& opt);

/// `text` as a JSON string literal.
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace pyresolve::cli
