#pragma once
/// @file
/// The target environment of a resolve: `--python-version` / `--python-platform`, else what
/// the `python3` on PATH reports, else CPython 3.11 on x86_64 manylinux.

#include <filesystem>
#include <optional>
#include <string>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// What `python3` on PATH says about itself.
struct interpreter_facts {
  std::string version;  ///< `X.Y.Z`
  std::string
      platform;  ///< a `--python-platform` name (`x86_64-manylinux_2_36`, `aarch64-apple-darwin`, ...)
};

/// Maps the output of the probe script (`X.Y.Z`, `sys.platform`, `platform.machine()`,
/// libc name and version, one per line) to facts; nullopt when it does not describe a
/// platform we know.
[[nodiscard]] std::optional<interpreter_facts> parse_probe_output(const std::string& text);

/// Probe answers are kept under the cache root, in `cache::interpreter_bucket`.
using cache::interpreter_bucket;

/// Asks `interpreter` (a path, or a name found on PATH as the shell would; `python3` by
/// default) about itself (one run), or reads its earlier answer from
/// `cache_root/interpreter-v1/` when the binary is the same file (real path, inode, size,
/// mtime). Scripts such as pyenv shims choose their interpreter at run time, so they are
/// always asked. nullopt when there is no python3 or it fails; no cache with `nullopt` root.
[[nodiscard]] std::optional<interpreter_facts> probe_python3(
    const std::optional<std::filesystem::path>& cache_root, const std::string& interpreter = "python3");

/// The chosen target and how it was chosen, for `-v`.
struct chosen_target {
  packaging::target_environment environment;
  std::string python_version;   ///< as used
  std::string python_platform;  ///< as used
  std::string how;              ///< "from the command line", "from python3 on PATH", "default"
};

/// Decides the target from the flags, probing the interpreter (`--python`, else python3) only
/// for what they leave open (with the probe cache under the cache root unless `--no-cache`).
/// An interpreter given with `--python` that cannot be asked is an error naming it.
[[nodiscard]] result<chosen_target> choose_target(const options& opt);

}  // namespace pyresolve::cli
