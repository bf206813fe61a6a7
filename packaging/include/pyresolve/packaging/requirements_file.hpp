#pragma once
/// @file
/// `requirements.txt` / `requirements.in` files, following pip's `req_file.py`:
///
/// - a `\` at the end of a line joins the next line to it; the joined line keeps the number
///   of its first physical line;
/// - `#` starts a comment at the start of a line or after whitespace (so `url#egg=x` is kept);
/// - `${NAME}` with `NAME` made of `A-Z`, `0-9`, `_` is replaced by the variable's value when
///   it is set and non-empty, and left as written otherwise;
/// - a line is a requirement followed by per-requirement options (`--hash`), or only options:
///   `-r`/`--requirement`, `-c`/`--constraint`, `-e`/`--editable`, `-i`/`--index-url`,
///   `--extra-index-url`, `--no-index`, `-f`/`--find-links`, `--pre`, `--only-binary`,
///   `--no-binary`, each as `--opt value`,
///   `--opt=value` or (short options) `-rvalue`;
/// - `-r` and `-c` paths are relative to the directory of the file that names them.
///
/// Differences from pip, chosen for a resolver: a `-r` inside a constraints file reads more
/// constraints (pip reads requirements); pip options that do not affect resolution
/// (`--trusted-host`, `--prefer-binary`, `--require-hashes`, `--use-feature`, `--config-settings`,
/// `--global-option`) are collected in `index_options::ignored` for the caller to warn about; any other
/// option is an error.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// Where an entry was written: the file as it was named (joined onto the including file's
/// directory for nested files) and the 1-based line where its logical line starts.
struct PYRESOLVE_API requirement_origin {
  std::string file;
  std::uint32_t line = 0;
  friend bool operator==(const requirement_origin&, const requirement_origin&) = default;
};

/// One requirement line, or one `-e` line.
struct PYRESOLVE_API requirements_entry {
  /// The parsed PEP 508 requirement, including `name @ url`; nullopt for an unnamed entry
  /// (an `-e` target, or a bare path or URL such as `./pkg` or `https://host/x.whl`).
  std::optional<packaging::requirement> requirement;
  /// For unnamed entries and editables: the path or URL as written (after `${VAR}` expansion).
  std::string target;
  bool editable = false;            ///< from `-e`/`--editable`
  bool constraint = false;          ///< read from a constraints file (`-c`), directly or nested
  std::vector<std::string> hashes;  ///< `algorithm:hexdigest`, in written order
  requirement_origin origin;
};

/// The index and finder options of the file and everything it includes.
struct PYRESOLVE_API index_options {
  std::optional<std::string> index_url;       ///< the last `-i`/`--index-url`
  std::vector<std::string> extra_index_urls;  ///< in order, duplicates kept
  bool no_index = false;
  std::vector<std::string> find_links;
  bool pre = false;
  /// `--only-binary` / `--no-binary` values as written (`:all:`, `:none:`, comma lists), in order.
  std::vector<std::string> only_binary;
  std::vector<std::string> no_binary;
  /// Options accepted but not acted upon, as written (`--trusted-host example.com`).
  std::vector<std::string> ignored;
};

/// A parsed requirements file with everything it includes, entries in reading order.
struct PYRESOLVE_API requirements_file {
  std::vector<requirements_entry> entries;
  index_options options;
};

/// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Looks variables up with `std::getenv`.
[[nodiscard]] PYRESOLVE_API env_lookup process_environment();

/// Reads a whole file; the error's message says why it could not (`No such file or directory`).
using file_reader = std::function<result<std::string>(const std::filesystem::path& path)>;

/// The largest input file read (a requirements file, a `pyproject.toml`, standard input).
inline constexpr std::size_t max_input_file_bytes = std::size_t{64} << 20U;

/// The most bytes read for one `parse_requirements_file`: the file and all it includes.
inline constexpr std::size_t max_requirements_bytes = std::size_t{64} << 20U;

/// Reads a whole regular file (the default `file_reader`). Anything else (a directory, a
/// device such as `/dev/zero`, a FIFO, a socket) is refused without reading, and so is a file
/// larger than `max_input_file_bytes`: such inputs may never end.
[[nodiscard]] PYRESOLVE_API result<std::string> read_file_contents(const std::filesystem::path& path);

/// How files are read.
struct PYRESOLVE_API requirements_file_options {
  /// For `${VAR}` expansion; defaults to the process environment.
  env_lookup getenv = process_environment();
  /// Reads the file and the files it includes; empty means `read_file_contents`.
  file_reader read_file;
};

/// Reads and parses `path` and every file it includes. Errors read `file:line:col: message`
/// through `error::to_string()` (with `source`, `line`, `column` set); an include cycle is
/// reported at the `-r` that closes it, with the chain of files (`a.txt -> b.txt -> a.txt`).
///
/// Limits, so that no input makes the parse run away: includes nest at most 64 deep; a file
/// (by canonical path) is read once however often it is included, its entries kept from the
/// first time (pip would list them again, which changes nothing for a resolve); the files
/// read add up to at most `max_requirements_bytes`; a marker nests at most 64 parentheses.
[[nodiscard]] PYRESOLVE_API result<requirements_file> parse_requirements_file(
    const std::filesystem::path& path, const requirements_file_options& options = {});

/// Parses `text` as the content of a file named `source` (for standard input, pass `-`).
/// Relative `-r`/`-c` paths are resolved against `base_directory`.
[[nodiscard]] PYRESOLVE_API result<requirements_file> parse_requirements_text(
    std::string_view text, std::string_view source, const std::filesystem::path& base_directory,
    const requirements_file_options& options = {});

}  // namespace pyresolve::packaging
