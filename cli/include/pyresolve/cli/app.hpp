#pragma once
/// @file
/// The `resolve` program as a function, so that `main` is one line and tests can drive it.

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace pyresolve::cli {

/// Exit codes, as uv's: 0 resolved, 1 no solution (the explanation is printed), 2 any other
/// error (usage, input, network, output).
enum exit_code : int { exit_success = 0, exit_unsatisfiable = 1, exit_error = 2 };

/// Called by a resolve once its outcome is final and everything meant to outlast the run is
/// done: the output written and the cache settled (every load the provider started has
/// finished and stored what it fetched). What is left is freeing the run's memory and
/// unmapping its cache entries, which took a warm `jupyter.in` resolve about a third of its
/// time; a program may end the process here instead (`bin/resolve` does). Receives the exit
/// code `run` would return.
using finish_hook = std::function<void(int exit_code)>;

/// Called once by a resolve on the calling thread right before the first thread of its own
/// starts (the index provider's oneTBB workers): a program that started work on a thread of
/// its own at start-up waits for it here (`bin/resolve` does, cli/tool/tricks.hpp).
using start_hook = std::function<void()>;

/// Runs `resolve` with `args` (without the program name). Standard input is read for a `-`
/// source; output goes to `out` unless `-o`; messages, progress and `-v` go to `err`.
/// `err_is_terminal` decides progress and automatic colour. `finish`, when set, is called as
/// described above before a resolve returns (success or no solution); `before_workers`, when
/// set, as described above. Never throws.
[[nodiscard]] int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                      std::ostream& err, bool err_is_terminal, const finish_hook& finish = {},
                      const start_hook& before_workers = {});

}  // namespace pyresolve::cli
