#pragma once
/// @file
/// The `resolve` program as a function, so that `main` is one line and tests can drive it.

#include <iosfwd>
#include <string>
#include <vector>

namespace pyresolve::cli {

/// Exit codes, as uv's: 0 resolved, 1 no solution (the explanation is printed), 2 any other
/// error (usage, input, network, output).
enum exit_code : int { exit_success = 0, exit_unsatisfiable = 1, exit_error = 2 };

/// Runs `resolve` with `args` (without the program name). Standard input is read for a `-`
/// source; output goes to `out` unless `-o`; messages, progress and `-v` go to `err`.
/// `err_is_terminal` decides progress and automatic colour. Never throws.
[[nodiscard]] int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                      std::ostream& err, bool err_is_terminal);

}  // namespace pyresolve::cli
