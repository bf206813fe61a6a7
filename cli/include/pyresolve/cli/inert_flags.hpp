#pragma once
/// @file
/// Flags of `uv pip compile` and pip-tools that change nothing in `resolve` (it installs
/// nothing, reads no configuration file, downloads no interpreter): accepted as uv accepts
/// pip-tools' flags, with a warning where the run may differ. They are taken out of the
/// command line before it is parsed, so the parser (whose every option costs start-up time)
/// does not carry them.

#include <string>
#include <vector>

namespace pyresolve::cli {

/// `args` without the inert flags (and their values, `--flag VALUE` or `--flag=VALUE`); the
/// warning of each flag given is appended to `warnings`, once per flag, in the order given.
[[nodiscard]] std::vector<std::string> strip_inert_flags(const std::vector<std::string>& args,
                                                         std::vector<std::string>& warnings);

}  // namespace pyresolve::cli
