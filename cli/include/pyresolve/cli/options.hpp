#pragma once
/// @file
/// The `resolve` command line: every flag, named as `uv pip compile` names it
/// where the meaning is the same, parsed with CLI11; environment variables fill what the
/// flags leave unset.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pyresolve::cli {

/// The output format (`--format`).
enum class output_format : std::uint8_t { requirements_txt, pylock_toml, json };

/// `--annotation-style`.
enum class annotation_style : std::uint8_t { split, line };

/// `--color`.
enum class color_mode : std::uint8_t { automatic, always, never };

/// `resolve cache ...`.
enum class cache_command : std::uint8_t { none, dir, clean, prune };

/// Everything the command line (and the environment) asked for. Values are as given;
/// checking them against the packaging rules happens when they are used.
struct options {
  std::vector<std::string> sources;            ///< requirements files, `-` or pyproject.toml
  std::optional<std::string> output_file;      ///< `-o`
  std::vector<std::string> constraints;        ///< `-c` files
  std::vector<std::string> overrides;          ///< `--override` files
  std::vector<std::string> excludes;           ///< `--excludes` files: names left out of the resolution
  std::vector<std::string> build_constraints;  ///< `-b` files: constraints on build environments
  /// `-C KEY=VALUE`: PEP 517 config settings for every build.
  std::vector<std::pair<std::string, std::string>> config_settings;
  std::vector<std::string> extras;  ///< `--extra` (pyproject.toml)
  bool all_extras = false;
  std::vector<std::string> groups;  ///< `--group` (pyproject.toml `[dependency-groups]`)
  /// `--group` without a source: the groups of ./pyproject.toml alone, not its dependencies (uv).
  bool groups_only = false;
  std::optional<std::string> index_url;  ///< `-i`, else PYRESOLVE_INDEX_URL
  std::vector<std::string> extra_index_urls;
  bool no_index = false;
  /// `--index-strategy`: first-index, unsafe-first-match or unsafe-best-match.
  std::string index_strategy = "first-index";
  std::optional<std::string> python_version;
  std::optional<std::string> python_platform;
  /// `--universal`: one answer for every platform and every Python from the lower bound
  /// (`--python-version`, else the pyproject.toml's `requires-python`, else the target's).
  bool universal = false;
  /// `--requires-python-upper-bounds`: a version whose Requires-Python excludes the target by
  /// an upper bound (`<3.9`) is not a candidate, as in pip. Off: uv's reading, lower bounds only.
  bool requires_python_upper_bounds = false;
  std::string resolution = "highest";
  std::string prerelease = "if-necessary-or-explicit";
  std::vector<std::string> no_binary;  ///< `:all:`, `:none:` or names (comma lists split)
  std::vector<std::string> only_binary;
  /// `--exclude-newer` (else PYRESOLVE_EXCLUDE_NEWER) and `--exclude-newer-package NAME=DATE`:
  /// upload cutoffs in microseconds since the Unix epoch (`resolver::upload_cutoff`); the
  /// packages' names normalized, in the order given.
  std::optional<std::int64_t> exclude_newer;
  std::vector<std::pair<std::string, std::int64_t>> exclude_newer_packages;
  bool upgrade = false;
  std::vector<std::string> upgrade_packages;
  /// `-f`/`--find-links`: folders or HTML pages of distribution files, beside the indexes.
  std::vector<std::string> find_links;
  /// `--no-build`: a direct source whose metadata needs a PEP 517 build is an error.
  bool no_build = false;
  /// `--no-build-isolation`: builds use the interpreter's own packages.
  bool no_build_isolation = false;
  /// `--python`: the interpreter that runs builds (default `python3` on PATH) and, as uv's
  /// target interpreter, the one asked for the target that `--python-version` /
  /// `--python-platform` leave open.
  std::string python = "python3";
  bool python_given = false;
  std::optional<std::string> cache_dir;  ///< `--cache-dir`, else PYRESOLVE_CACHE_DIR
  bool no_cache = false;
  bool offline = false;  ///< `--offline`, or PYRESOLVE_OFFLINE set to a true value
  bool refresh = false;
  std::vector<std::string> refresh_packages;
  std::string allocator = "system";
  unsigned threads = 0;  ///< 0: one per core
  /// `--http-timeout`, else PYRESOLVE_HTTP_TIMEOUT: seconds one attempt of a request may take
  /// (the client's default when unset).
  std::optional<unsigned> http_timeout;
  /// `--max-response-size`, else PYRESOLVE_MAX_RESPONSE_SIZE: bytes of one response body,
  /// counted after decompression (the client's default when unset).
  std::optional<std::uint64_t> max_response_size;
  bool no_header = false;
  bool no_annotate = false;
  /// `--no-strip-extras`: requirements.txt pins keep their extras (`requests[socks]==…`).
  bool no_strip_extras = false;
  /// `--no-strip-markers`: requirements.txt pins keep the user's markers (a universal
  /// resolution always writes its own).
  bool no_strip_markers = false;
  annotation_style annotations = annotation_style::split;
  bool generate_hashes = false;
  bool emit_index_url = false;
  /// `--emit-find-links`: write the `--find-links` lines in effect.
  bool emit_find_links = false;
  /// `--emit-index-annotation`: a `# from URL` line under each pin taken from an index.
  bool emit_index_annotation = false;
  /// `--emit-build-options`: write the `--no-binary` / `--only-binary` lines in effect.
  bool emit_build_options = false;
  output_format format = output_format::requirements_txt;
  int quiet = 0;
  int verbose = 0;
  color_mode color = color_mode::automatic;
  bool no_progress = false;
  /// `--custom-compile-command`, else PYRESOLVE_CUSTOM_COMPILE_COMMAND: the header's command.
  std::optional<std::string> custom_compile_command;
  /// `--no-deps`: only the requirements given, none of their dependencies.
  bool no_deps = false;
  /// `--no-emit-package` (and pip-tools' `--unsafe-package`): packages left out of the output
  /// (their dependencies stay), normalized.
  std::vector<std::string> no_emit_packages;
  /// Flags accepted for compatibility with pip-tools that change nothing here, one warning
  /// each (`--allow-unsafe has no effect`).
  std::vector<std::string> warnings;
  /// `--directory`: the folder to change to before anything is read (relative paths start
  /// there), as in uv.
  std::optional<std::string> directory;

  cache_command cache = cache_command::none;
  std::vector<std::string> cache_names;  ///< `cache clean NAME...`

  /// The arguments as given after the program name, for the output header.
  std::vector<std::string> arguments;
};

/// What parsing decided: run with `options`, or stop with `exit_code` after printing
/// `message` (help and `--version` on stdout with code 0, usage errors on stderr with code 2).
struct parse_outcome {
  std::optional<options> parsed;
  int exit_code = 0;
  std::string message;
  bool to_stderr = false;
};

/// Prints an outcome that stops the run (help and `--version` to `out`, errors to `err` with
/// the arguments they quote escaped) and returns its exit code.
int print_stop(const parse_outcome& outcome, std::ostream& out, std::ostream& err);

/// Reads environment variables; nullopt when unset.
using getenv_function = std::optional<std::string> (*)(const char* name);

/// Parses `args` (without the program name). `getenv` supplies PYRESOLVE_INDEX_URL,
/// PYRESOLVE_CACHE_DIR, PYRESOLVE_OFFLINE and NO_COLOR; null means the process environment.
[[nodiscard]] parse_outcome parse_command_line(const std::vector<std::string>& args,
                                               getenv_function getenv = nullptr);

/// `--no-binary a,b --no-binary c` as pip reads it: every value may be a comma list.
[[nodiscard]] std::vector<std::string> split_commas(const std::vector<std::string>& values);

/// The arguments joined for the `#    resolve ...` header line, each quoted for a POSIX
/// shell when it needs to be.
[[nodiscard]] std::string shell_join(const std::vector<std::string>& args);

}  // namespace pyresolve::cli
