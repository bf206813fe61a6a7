#pragma once
/// @file
/// The target environment of a resolve: `--python-version` / `--python-platform`, else what
/// the `python3` on PATH reports, else CPython 3.11 on x86_64 manylinux.

#include <optional>
#include <string>

#include "pyresolve/cli/options.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// What `python3` on PATH says about itself.
struct interpreter_facts {
  std::string version;   ///< `X.Y.Z`
  std::string platform;  ///< a `--python-platform` name (`x86_64-manylinux_2_36`, `aarch64-apple-darwin`, ...)
};

/// Maps the output of the probe script (`X.Y.Z`, `sys.platform`, `platform.machine()`,
/// libc name and version, one per line) to facts; nullopt when it does not describe a
/// platform we know.
[[nodiscard]] std::optional<interpreter_facts> parse_probe_output(const std::string& text);

/// Runs `python3` once (found on PATH) and asks it; nullopt when there is none or it fails.
[[nodiscard]] std::optional<interpreter_facts> probe_python3();

/// The chosen target and how it was chosen, for `-v`.
struct chosen_target {
  packaging::target_environment environment;
  std::string python_version;   ///< as used
  std::string python_platform;  ///< as used
  std::string how;              ///< "from the command line", "from python3 on PATH", "default"
};

/// Decides the target from the flags, probing python3 only for what they leave open.
[[nodiscard]] result<chosen_target> choose_target(const options& opt);

}  // namespace pyresolve::cli
