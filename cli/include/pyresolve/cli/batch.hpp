#pragma once
/// @file
/// `resolve batch JOBS [OPTIONS]`: many resolutions in one process. Each line of JOBS (`-`:
/// standard input) is a job (batch_job.hpp); the jobs run as oneTBB tasks, at most
/// `--max-in-flight` at once, over index stacks shared by every job that reads the same
/// indexes for the same target, so a page or metadata file loaded for one job serves the
/// others. One result per line goes to `out` as soon as it is ready: the job's `id`, its
/// `line`, its `exit_code` and `error` (null when resolved), then, when resolved, the members
/// of `resolve --format json`'s document for the same arguments, on one line. OPTIONS are
/// `resolve`'s flags, applied to every job before its own; besides them:
///
///   --shard I/N           run only the jobs whose id hashes to I modulo N (batch_job.hpp)
///   --max-in-flight N     jobs started and not yet written (default: 2 per thread)
///   --stack-projects N    a shared stack that has loaded N projects takes no new job: the
///                         next gets a fresh one, and the old is freed with its last job
///                         (default 20000)
///
/// Exit code 0 when every job ran, resolved or not; 2 when a line could not be read as a job
/// (its result names the file and line, and the other jobs still run) or the batch itself
/// could not run (unreadable JOBS, a bad flag).

#include <iosfwd>
#include <string>
#include <vector>

#include "pyresolve/cli/app.hpp"

namespace pyresolve::cli {

/// Runs a batch; `args` follow the word `batch`. The rest as `run`.
[[nodiscard]] int run_batch(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                            std::ostream& err, bool err_is_terminal, const finish_hook& finish,
                            const start_hook& before_workers);

}  // namespace pyresolve::cli
