#include "pyresolve/cli/options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>
#include <string_view>

#include "pyresolve/cli/exclude_newer.hpp"
#include "pyresolve/cli/inert_flags.hpp"
#include "pyresolve/cli/terminal_text.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"

#ifndef PYRESOLVE_VERSION
#define PYRESOLVE_VERSION "0.0.0"
#endif

namespace pyresolve::cli {
namespace {

std::optional<std::string> process_getenv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

/// The edit distance of two short strings (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// uv's words for arguments nobody expects, with the nearest flag when one is close:
/// `error: unexpected argument '--upgarde' found` / `tip: a similar argument exists: '--upgrade'`.
std::string unexpected_arguments(const CLI::App& app, const CLI::ExtrasError& e) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden compatibility flags are not suggested
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  }
  std::string out;
  std::string what = e.what();
  // CLI11: "The following argument was not expected: --upgarde" (or "arguments were").
  const std::size_t colon = what.find(": ");
  std::istringstream words(colon == std::string::npos ? what : what.substr(colon + 2));
  for (std::string arg; words >> arg;) {
    out += "error: unexpected argument '" + arg + "' found\n";
    const std::string flag = arg.substr(0, arg.find('='));
    if (!flag.starts_with("--")) continue;
    std::string best;
    std::size_t best_distance = 3;  // at most two edits away
    for (const auto& name : names) {
      const std::size_t d = edit_distance(flag, name);
      if (d < best_distance) {
        best_distance = d;
        best = name;
      }
    }
    if (!best.empty()) out += "\n  tip: a similar argument exists: '" + best + "'\n\n";
  }
  return out;
}

bool truthy(const std::string& value) {
  return value == "1" || value == "true" || value == "TRUE" || value == "True" || value == "yes" ||
         value == "on";
}

}  // namespace

// `--no-binary a,b --no-binary c` as pip reads it: every value may be a comma list.
std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const auto comma = value.find(',', start);
      const auto end = comma == std::string::npos ? value.size() : comma;
      if (end > start) out.push_back(value.substr(start, end - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::string shell_join(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) {
    if (!out.empty()) out += ' ';
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./=:,+@%[]") == std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (const char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

/// A value among `values`, checked without CLI11's type tag (`TEXT:{a,b}`): `--help` lists
/// them in the description instead (`describe_for_help`).
CLI::Validator choices(std::vector<std::string> values) {
  return CLI::IsMember(std::move(values)).description("");
}

/// `--help` in sections, as uv's (which flag belongs where, by its long name), with the value's
/// name in place of CLI11's type (`<FILE>`, `<URL>`) and the default or the possible values.
void describe_for_help(CLI::App& app) {
  struct help_entry {
    const char* flag;
    const char* section;
    const char* value;
    const char* tail;  ///< appended to the description
  };
  static constexpr help_entry entries[] = {
      {"src_file", "", "<SRC_FILE>", ""},
      {"--output-file", "Output options", "<FILE>", ""},
      {"--format", "Output options", "<FORMAT>",
       " [possible values: requirements.txt, pylock.toml, json; also uv's requirements-txt, pylock-toml]"},
      {"--no-header", "Output options", "", ""},
      {"--no-annotate", "Output options", "", ""},
      {"--annotation-style", "Output options", "<STYLE>", " [default: split] [possible values: split, line]"},
      {"--no-strip-extras", "Output options", "", ""},
      {"--no-strip-markers", "Output options", "", ""},
      {"--generate-hashes", "Output options", "", ""},
      {"--emit-index-url", "Output options", "", ""},
      {"--emit-build-options", "Output options", "", ""},
      {"--emit-find-links", "Output options", "", ""},
      {"--emit-index-annotation", "Output options", "", ""},
      {"--emit-marker-expression", "Output options", "", ""},
      {"--custom-compile-command", "Output options", "<COMMAND>", ""},
      {"--no-emit-package", "Output options", "<PACKAGE>", ""},
      {"--constraint", "Resolver options", "<FILE>", ""},
      {"--override", "Resolver options", "<FILE>", ""},
      {"--excludes", "Resolver options", "<FILE>", ""},
      {"--extra", "Resolver options", "<EXTRA>", ""},
      {"--all-extras", "Resolver options", "", ""},
      {"--group", "Resolver options", "<GROUP>", ""},
      {"--universal", "Resolver options", "", ""},
      {"--resolution", "Resolver options", "<RESOLUTION>",
       " [default: highest] [possible values: highest, lowest, lowest-direct]"},
      {"--prerelease", "Resolver options", "<PRERELEASE>",
       " [default: if-necessary-or-explicit] [possible values: disallow, allow, if-necessary, explicit, "
       "if-necessary-or-explicit]"},
      {"--requires-python-upper-bounds", "Resolver options", "", ""},
      {"--upgrade", "Resolver options", "", ""},
      {"--exclude-newer", "Resolver options", "<EXCLUDE_NEWER>", ""},
      {"--exclude-newer-package", "Resolver options", "<EXCLUDE_NEWER_PACKAGE>", ""},
      {"--upgrade-package", "Resolver options", "<PACKAGE>", ""},
      {"--no-deps", "Resolver options", "", ""},
      {"--fork-strategy", "Resolver options", "<FORK_STRATEGY>",
       " [possible values: fewest, requires-python]"},
      {"--no-sources", "Resolver options", "", ""},
      {"--index-url", "Index options", "<URL>", ""},
      {"--default-index", "Index options", "<URL>", ""},
      {"--index", "Index options", "<[NAME=]URL>", ""},
      {"--extra-index-url", "Index options", "<URL>", ""},
      {"--find-links", "Index options", "<DIR|URL>", ""},
      {"--no-index", "Index options", "", ""},
      {"--index-strategy", "Index options", "<INDEX_STRATEGY>",
       " [default: first-index] [possible values: first-index, unsafe-first-match, unsafe-best-match]"},
      {"--keyring-provider", "Index options", "<KEYRING_PROVIDER>",
       " [possible values: disabled, subprocess]"},
      {"--http-timeout", "Index options", "<SECONDS>", " [default: 300]"},
      {"--max-response-size", "Index options", "<BYTES>", " [default: 268435456]"},
      {"--no-binary", "Build options", "<PACKAGE|:all:|:none:>", ""},
      {"--only-binary", "Build options", "<PACKAGE|:all:|:none:>", ""},
      {"--no-build", "Build options", "", ""},
      {"--no-build-isolation", "Build options", "", ""},
      {"--build-constraints", "Build options", "<FILE>", ""},
      {"--config-setting", "Build options", "<KEY=VALUE>", ""},
      {"--cache-dir", "Cache options", "<DIR>", ""},
      {"--no-cache", "Cache options", "", ""},
      {"--offline", "Cache options", "", ""},
      {"--refresh", "Cache options", "", ""},
      {"--refresh-package", "Cache options", "<PACKAGE>", ""},
      {"--python-version", "Python options", "<VERSION>", ""},
      {"--python-platform", "Python options", "<PLATFORM>", ""},
      {"--python", "Python options", "<PATH>", ""},
      {"--allocator", "Global options", "<STRATEGY>", " [default: system]"},
      {"--threads", "Global options", "<N>", " [default: 0]"},
      {"--quiet", "Global options", "", ""},
      {"--verbose", "Global options", "", ""},
      {"--color", "Global options", "<WHEN>", " [default: auto] [possible values: auto, always, never]"},
      {"--no-progress", "Global options", "", ""},
      {"--help", "Global options", "", ""},
      {"--version", "Global options", "", ""},
  };
  for (CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    const auto& names = option->get_lnames();
    const std::string name = names.empty() ? option->get_name() : "--" + names.front();
    for (const help_entry& e : entries) {
      if (name != e.flag) continue;
      if (*e.section != '\0') option->group(e.section);
      if (*e.value != '\0') option->type_name(e.value);
      option->description(option->get_description() + e.tail);
    }
  }
  app.footer(
      "Many resolutions in one process: resolve batch JOBS.jsonl [OPTIONS] [--shard I/N]\n"
      "(one JSON job a line, one JSON result a line; cli/README.md, \"Batch\")\n");
}

namespace {
/// `--exclude-newer` (else PYRESOLVE_EXCLUDE_NEWER) and `--exclude-newer-package` into `opt`;
/// what is malformed, as uv words it.
std::optional<std::string> read_exclude_newer(std::string global, const std::vector<std::string>& packages,
                                              getenv_function getenv, options& opt) {
  const char* from = "'--exclude-newer <EXCLUDE_NEWER>'";
  if (global.empty()) {
    if (auto env = getenv("PYRESOLVE_EXCLUDE_NEWER"); env && !env->empty()) {
      global = *env;
      from = "PYRESOLVE_EXCLUDE_NEWER";
    }
  }
  const auto invalid = [](const std::string& value, const char* where) {
    return "invalid value '" + packaging::printable(value) + "' for " + where +
           ": neither an RFC 3339 timestamp (2006-12-02T02:07:43Z) nor a date (2006-12-02)";
  };
  if (!global.empty()) {
    opt.exclude_newer = parse_exclude_newer(global);
    if (!opt.exclude_newer) return invalid(global, from);
  }
  for (const auto& entry : packages) {
    const auto eq = entry.find('=');
    const char* where = "'--exclude-newer-package <EXCLUDE_NEWER_PACKAGE>'";
    if (eq == std::string::npos || eq == 0 ||
        !packaging::is_valid_name(std::string_view(entry).substr(0, eq)))
      return "invalid value '" + packaging::printable(entry) + "' for " + where + ": expected NAME=DATE";
    const auto at = parse_exclude_newer(std::string_view(entry).substr(eq + 1));
    if (!at) return invalid(entry, where);
    opt.exclude_newer_packages.emplace_back(packaging::normalize_name(entry.substr(0, eq)), *at);
  }
  return std::nullopt;
}
}  // namespace

int print_stop(const parse_outcome& outcome, std::ostream& out, std::ostream& err) {
  // Errors quote arguments as given; help and version are the program's own text.
  if (outcome.to_stderr) {
    err << escape_controls(outcome.message) << std::flush;
  } else {
    out << outcome.message << std::flush;
  }
  return outcome.exit_code;
}

parse_outcome parse_command_line(const std::vector<std::string>& args, getenv_function getenv) {
  if (getenv == nullptr) getenv = &process_getenv;
  options opt;
  opt.arguments = args;

  CLI::App app{"Resolve Python requirements into pinned versions, like `uv pip compile`.", "resolve"};
  app.fallthrough();
  app.require_subcommand(0, 1);

  std::string output_file, index_url, python_version, python_platform, cache_dir;
  std::string format, style = "split", color = "auto";
  app.add_option("src_file", opt.sources, "requirements files (`-` for stdin) or pyproject.toml");
  app.add_option("-o,--output-file", output_file,
                 "write the result to this file (atomically); its pins are kept");
  app.add_option("-c,--constraint,--constraints", opt.constraints,
                 "constrain versions with the requirements of this file");
  app.add_option("--override,--overrides", opt.overrides,
                 "override every requirement on a package with those of this file");
  app.add_option("--excludes", opt.excludes,
                 "leave the packages named in this file out of the resolution, with what only they require");
  std::string fork_strategy, keyring_provider;
  app.add_option("--fork-strategy", fork_strategy, "uv's fork preference (has no effect here)")
      ->check(choices({"fewest", "requires-python"}));
  bool no_sources = false, emit_marker_expression = false;
  app.add_flag("--no-sources", no_sources, "ignore tool.uv.sources (which is never read here)");
  app.add_flag("--emit-marker-expression", emit_marker_expression, "uv's marker line (not written here)");
  app.add_option("--extra", opt.extras,
                 "include this optional-dependencies group of pyproject.toml (repeatable, or a comma list)")
      ->delimiter(',');
  app.add_flag("--all-extras", opt.all_extras, "include every optional-dependencies group of pyproject.toml");
  app.add_option("--group", opt.groups,
                 "include this [dependency-groups] group of pyproject.toml (repeatable)")
      ->delimiter(',');
  app.add_option("-i,--index-url", index_url,
                 "the package index (default https://pypi.org/simple; env PYRESOLVE_INDEX_URL)");
  app.add_option("--extra-index-url", opt.extra_index_urls, "another index, searched before --index-url");
  std::vector<std::string> named_indexes;
  std::string default_index;
  app.add_option(
      "--index", named_indexes,
      "another index, searched before --extra-index-url ones and --default-index (uv's `[NAME=]URL`)");
  auto* default_index_option = app.add_option("--default-index", default_index,
                                              "the index searched last (uv's spelling of --index-url)");
  default_index_option->excludes("--index-url");
  app.add_flag("--no-index", opt.no_index, "ignore every index");
  app.add_option(
         "--index-strategy", opt.index_strategy,
         "how versions listed by several indexes combine: the first index that lists a project only, or "
         "every index (a version from the first that lists it), tried index by index or best first")
      ->check(choices({"first-index", "unsafe-first-match", "unsafe-best-match"}));
  app.add_option("--keyring-provider", keyring_provider,
                 "uv's keyring use: credentials come from the URL or ~/.netrc here")
      ->check(choices({"disabled", "subprocess"}));
  // Given but empty is an error rather than the default: `--python-version "$UNSET"` must not
  // silently resolve for another interpreter.
  const auto not_empty = CLI::Validator(
      [](const std::string& value) {
        return value.empty() ? std::string("must not be empty") : std::string();
      },
      "");
  app.add_option("--python-version", python_version,
                 "target Python version (X.Y or X.Y.Z); default: python3 on PATH")
      ->check(not_empty);
  app.add_option("--python-platform", python_platform,
                 "target platform (linux, macos, windows, x86_64-manylinux_2_28, ...)")
      ->check(not_empty);
  app.add_flag("--universal", opt.universal,
               "resolve for every platform and every Python from --python-version (or requires-python) "
               "up, writing each pin's marker");
  app.add_flag("--requires-python-upper-bounds", opt.requires_python_upper_bounds,
               "rule out versions whose Requires-Python has an upper bound below the target, as pip does "
               "(by default only lower bounds count, as in uv)");
  app.add_option("--resolution", opt.resolution, "which versions to prefer")
      ->check(choices({"highest", "lowest", "lowest-direct"}));
  app.add_option("--prerelease", opt.prerelease, "when pre-releases are candidates")
      ->check(choices({"disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"}));
  std::vector<std::string> no_binary, only_binary;
  app.add_option("--no-binary", no_binary, "ignore wheels: :all:, :none: or package names");
  app.add_option("--only-binary", only_binary, "ignore sdists: :all:, :none: or package names");
  // uv's upload cutoffs: a timestamp or a date (env PYRESOLVE_EXCLUDE_NEWER), per package too.
  std::string exclude_newer;
  std::vector<std::string> exclude_newer_packages;
  app.add_option("--exclude-newer", exclude_newer,
                 "only files uploaded before this RFC 3339 timestamp, or before the end of this local "
                 "date (YYYY-MM-DD) (env PYRESOLVE_EXCLUDE_NEWER)");
  app.add_option("--exclude-newer-package", exclude_newer_packages,
                 "NAME=DATE: the cutoff of one package, instead of --exclude-newer's (repeatable)");
  app.add_flag("-U,--upgrade", opt.upgrade, "ignore the pins of the existing output file");
  app.add_option("-P,--upgrade-package", opt.upgrade_packages, "ignore the existing pin of this package");
  app.add_option("-f,--find-links", opt.find_links,
                 "a folder or an HTML page of distribution files, merged with the indexes' (repeatable)");
  app.add_flag("--no-build", opt.no_build,
               "never build a source's metadata (PEP 517); a source that needs a build is an error");
  app.add_flag(
      "--no-build-isolation", opt.no_build_isolation,
      "build with the interpreter's own packages instead of an environment of [build-system] requires");
  app.add_option("-b,--build-constraints,--build-constraint", opt.build_constraints,
                 "constrain the versions of build environments with the requirements of this file");
  std::vector<std::string> config_settings;
  app.add_option("-C,--config-setting,--config-settings", config_settings,
                 "a PEP 517 config setting for every build backend (KEY=VALUE, repeatable)");
  app.add_option("-p,--python", opt.python,
                 "the target interpreter: its version and platform are the target unless --python-version / "
                 "--python-platform say otherwise, and it runs builds (default: python3 on PATH)")
      ->check(not_empty);
  app.add_option("--cache-dir", cache_dir, "cache root (env PYRESOLVE_CACHE_DIR)");
  app.add_flag("-n,--no-cache", opt.no_cache, "read and write no cache");
  app.add_flag("--offline", opt.offline, "never use the network (env PYRESOLVE_OFFLINE)");
  app.add_flag("--refresh", opt.refresh, "treat every cache entry as stale");
  app.add_option("--refresh-package", opt.refresh_packages, "treat this package's cache entries as stale");
  app.add_option(
      "--allocator", opt.allocator,
      "heap strategy of the resolve (system, mimalloc, jemalloc, tbbmalloc, pool-std, pool-boost, arena)");
  app.add_option("--threads", opt.threads, "worker threads that load and parse; 0: one per core");
  std::optional<unsigned> http_timeout;
  std::optional<std::uint64_t> max_response_size;
  app.add_option("--http-timeout", http_timeout, "seconds one request may take (env PYRESOLVE_HTTP_TIMEOUT)")
      ->check(CLI::PositiveNumber.description(""));
  app.add_option("--max-response-size", max_response_size,
                 "bytes of one response body after decompression (env PYRESOLVE_MAX_RESPONSE_SIZE)")
      ->check(CLI::PositiveNumber.description(""));
  app.add_flag("--no-header", opt.no_header, "omit the header comment");
  app.add_flag("--no-annotate", opt.no_annotate, "omit the `# via` comments");
  app.add_flag("--no-strip-extras", opt.no_strip_extras, "keep the extras of each pin (`name[extra]==1.0`)");
  app.add_flag("--no-strip-markers", opt.no_strip_markers,
               "keep the markers of the requirements on each pin (always with --universal)");
  app.add_option("--annotation-style", style,
                 "`# via` on lines of their own (split) or on the pin's line (line)")
      ->check(choices({"split", "line"}));
  app.add_flag("--generate-hashes", opt.generate_hashes, "add --hash lines from the index");
  app.add_flag("--emit-index-url", opt.emit_index_url, "write --index-url / --extra-index-url lines");
  app.add_flag("--emit-find-links", opt.emit_find_links, "write the --find-links lines in effect");
  app.add_flag("--emit-index-annotation", opt.emit_index_annotation,
               "write a `# from URL` line under each package naming the index it came from");
  app.add_flag("--emit-build-options", opt.emit_build_options,
               "write the --no-binary / --only-binary lines in effect (the files' and the command line's)");
  app.add_option("--format", format, "output format")
      ->check(choices({"requirements.txt", "requirements-txt", "pylock.toml", "pylock-toml", "json"}));
  app.add_flag("-q,--quiet", opt.quiet, "print less");
  app.add_flag("-v,--verbose", opt.verbose, "print more: timings, allocator, index (repeat for debug logs)");
  app.add_option("--color", color, "colour errors and explanations")
      ->check(choices({"auto", "always", "never"}));
  app.add_flag("--no-progress", opt.no_progress, "no progress display");
  std::string custom_compile_command;
  app.add_option("--custom-compile-command", custom_compile_command,
                 "the command the output's header shows (env PYRESOLVE_CUSTOM_COMPILE_COMMAND)");
  app.add_flag("--no-deps", opt.no_deps, "resolve only the requirements given, not their dependencies");
  std::vector<std::string> no_emit;
  app.add_option("--no-emit-package,--unsafe-package", no_emit,
                 "leave this package out of the output (its dependencies stay; repeatable)");

  // pip-tools' `--pre` is `--prerelease allow` (its flags that change nothing here, and uv's,
  // were taken out before: inert_flags.hpp). Hidden from --help.
  bool pre = false;
  app.add_flag("--pre", pre)->group("");
  app.add_option("--directory", opt.directory, "change to this folder first: relative paths start there")
      ->group("");

  // Last, so that the global options (help and version among them) close --help, as in uv.
  app.set_help_flag("-h,--help", "print this help");
  app.set_version_flag("--version", "resolve " PYRESOLVE_VERSION, "print the version");
  // A single value given twice: the last one counts, as in uv.
  for (CLI::Option* single : app.get_options()) {
    if (single->get_expected_max() == 1 && single->get_type_size() == 1) {
      single->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }

  auto* cache = app.add_subcommand("cache", "manage the cache");
  cache->fallthrough();
  cache->require_subcommand(1);
  auto* dir = cache->add_subcommand("dir", "print the cache root (with -v: its size)");
  auto* clean =
      cache->add_subcommand("clean", "remove the whole cache, or the entries of the named packages");
  clean->add_option("names", opt.cache_names, "packages to remove");
  auto* prune = cache->add_subcommand("prune", "remove unused buckets, temporary files and empty folders");
  for (auto* sub : {dir, clean, prune}) sub->fallthrough();

  const std::vector<std::string> parsed = strip_inert_flags(args, opt.warnings);
  std::vector<std::string> reversed(parsed.rbegin(), parsed.rend());
  parse_outcome outcome;
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    describe_for_help(app);  // only when asked: no run pays for the sections
    outcome.message = app.help();
    return outcome;
  } catch (const CLI::CallForVersion& e) {
    outcome.message = std::string(e.what()) + "\n";
    return outcome;
  } catch (const CLI::ExtrasError& e) {
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.message = unexpected_arguments(app, e) + "Run with --help for more information.\n";
    return outcome;
  } catch (const CLI::ParseError& e) {
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.message = "error: " + std::string(e.what()) + "\nRun with --help for more information.\n";
    return outcome;
  }

  if (dir->parsed()) opt.cache = cache_command::dir;
  if (clean->parsed()) opt.cache = cache_command::clean;
  if (prune->parsed()) opt.cache = cache_command::prune;
  // `--group` alone reads the project's dependency groups from ./pyproject.toml, as in uv.
  if (opt.cache == cache_command::none && opt.sources.empty() && !opt.groups.empty()) {
    opt.sources.emplace_back("pyproject.toml");
    opt.groups_only = true;
  }
  if (opt.cache == cache_command::none && opt.sources.empty()) {
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.message =
        "error: no source file given (a requirements file, `-` for stdin, or pyproject.toml)\n"
        "Run with --help for more information.\n";
    return outcome;
  }

  // `-o -` is standard output, as in pip-tools (a file named `-` is `-o ./-`).
  if (!output_file.empty() && output_file != "-") opt.output_file = output_file;
  // uv's `--index NAME=URL`: the name is for configuration files, which are not read here.
  for (auto it = named_indexes.rbegin(); it != named_indexes.rend(); ++it) {
    std::string url = *it;
    const auto eq = url.find('=');
    const auto scheme = url.find("://");
    const bool named =
        eq != std::string::npos && (scheme == std::string::npos || eq < scheme) && eq > 0 &&
        std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        });
    if (named) url.erase(0, eq + 1);
    opt.extra_index_urls.insert(opt.extra_index_urls.begin(), std::move(url));
  }
  if (!default_index.empty()) index_url = default_index;
  if (!index_url.empty()) {
    opt.index_url = index_url;
  } else if (auto env = getenv("PYRESOLVE_INDEX_URL"); env && !env->empty()) {
    opt.index_url = *env;
  }
  opt.python_given = app.count("--python") > 0;
  if (!python_version.empty()) opt.python_version = python_version;
  if (!python_platform.empty()) opt.python_platform = python_platform;
  if (!cache_dir.empty()) {
    opt.cache_dir = cache_dir;
  } else if (auto env = getenv("PYRESOLVE_CACHE_DIR"); env && !env->empty()) {
    opt.cache_dir = *env;
  }
  if (auto env = getenv("PYRESOLVE_OFFLINE"); env && truthy(*env)) opt.offline = true;
  // The limits' variables are positive whole numbers like their flags; anything else is a
  // usage error naming the variable.
  const char* bad_variable = nullptr;
  const auto number_of = [&](const char* variable) -> std::optional<std::uint64_t> {
    const auto env = getenv(variable);
    if (!env || env->empty()) return std::nullopt;
    std::uint64_t value = 0;
    const auto* end = env->data() + env->size();
    const auto [at, ec] = std::from_chars(env->data(), end, value);
    if (ec != std::errc{} || at != end || value == 0) {
      bad_variable = variable;
      return std::nullopt;
    }
    return value;
  };
  opt.http_timeout = http_timeout;
  if (!opt.http_timeout) {
    if (const auto v = number_of("PYRESOLVE_HTTP_TIMEOUT"))
      opt.http_timeout = static_cast<unsigned>(std::min<std::uint64_t>(*v, 1'000'000));
  }
  opt.max_response_size = max_response_size ? max_response_size : number_of("PYRESOLVE_MAX_RESPONSE_SIZE");
  if (bad_variable != nullptr) {
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.message = "error: " + std::string(bad_variable) + " must be a positive whole number\n";
    return outcome;
  }
  if (auto failure = read_exclude_newer(exclude_newer, exclude_newer_packages, getenv, opt)) {
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.message = "error: " + *failure + "\nRun with --help for more information.\n";
    return outcome;
  }
  if (pre && opt.prerelease == "if-necessary-or-explicit") opt.prerelease = "allow";
  if (!custom_compile_command.empty()) {
    opt.custom_compile_command = custom_compile_command;
  } else if (auto env = getenv("PYRESOLVE_CUSTOM_COMPILE_COMMAND"); env && !env->empty()) {
    opt.custom_compile_command = *env;
  }
  if (!fork_strategy.empty())
    opt.warnings.push_back("--fork-strategy has no effect: a universal resolution forks on markers only");
  if (keyring_provider == "subprocess")
    opt.warnings.push_back(
        "--keyring-provider subprocess has no effect: credentials come from the URL or ~/.netrc");
  if (emit_marker_expression)
    opt.warnings.push_back("--emit-marker-expression has no effect: no marker line is written");
  for (const auto& setting : config_settings) {
    const auto equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      outcome.exit_code = 2;
      outcome.to_stderr = true;
      outcome.message =
          "error: invalid value '" + setting + "' for '--config-setting <KEY=VALUE>': expected KEY=VALUE\n";
      return outcome;
    }
    opt.config_settings.emplace_back(setting.substr(0, equals), setting.substr(equals + 1));
  }
  for (const auto& name : split_commas(no_emit))
    opt.no_emit_packages.push_back(packaging::normalize_name(name));
  opt.no_binary = split_commas(no_binary);
  opt.only_binary = split_commas(only_binary);
  opt.annotations = style == "line" ? annotation_style::line : annotation_style::split;
  // Without --format, the output file's name decides, as in uv: `pylock.toml` and
  // `pylock.NAME.toml` are lock files (PEP 751).
  const std::string output_name = std::filesystem::path(output_file).filename().string();
  if (format.empty()) {
    format =
        output_name == "pylock.toml" || (output_name.starts_with("pylock.") && output_name.ends_with(".toml"))
            ? "pylock.toml"
            : "requirements.txt";
  }
  opt.format = format == "json"                                     ? output_format::json
               : format == "pylock.toml" || format == "pylock-toml" ? output_format::pylock_toml
                                                                    : output_format::requirements_txt;
  opt.color = color == "always"  ? color_mode::always
              : color == "never" ? color_mode::never
                                 : color_mode::automatic;
  // https://no-color.org: any non-empty value turns automatic colour off; an explicit
  // `--color always` still wins, as in uv.
  if (auto env = getenv("NO_COLOR"); env && !env->empty() && opt.color == color_mode::automatic) {
    opt.color = color_mode::never;
  }
  outcome.parsed = std::move(opt);
  return outcome;
}

}  // namespace pyresolve::cli
