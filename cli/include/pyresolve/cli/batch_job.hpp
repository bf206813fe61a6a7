#pragma once
/// @file
/// One job of `resolve batch`: a line of the jobs file, read as `resolve` arguments, and the
/// shard (`--shard I/N`) that runs it.
///
/// A job is a JSON object on one line. `requirements` (an array of requirement strings, read
/// as a requirements file given as `-`) and `file` (a path or an array of paths) give what to
/// resolve; `id` (a string or an integer) names the result; every other member is a flag of
/// `resolve` without its dashes, `_` or `-` alike: `true` gives the flag, `false` and `null`
/// nothing, a string or a number `--flag=value`, an array one `--flag=value` per element
/// (`"python_version": "3.12"`, `"constraint": ["c.txt"]`, `"universal": true`). Flags that
/// belong to the whole batch (output, format, heap, threads, cache location, verbosity) are
/// not a job's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/cli/options.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

struct batch_job {
  /// The job's `id` as JSON text (`"a"` or `12`); empty when the line gives none.
  std::string id;
  std::vector<std::string> sources;  ///< the files, then `-` for `requirements`
  std::vector<std::string> flags;    ///< `--flag=value`, in the order written
  std::string requirements;          ///< what `-` reads: one requirement a line
};

/// Longest line a jobs file may have.
inline constexpr std::size_t max_job_line = std::size_t{1} << 20;

/// Reads one line of a jobs file; the error says what is wrong with it (without the line's
/// place, which the caller adds).
[[nodiscard]] result<batch_job> read_batch_job(std::string_view line);

/// The part of the jobs one process runs: those whose key hashes to `index` modulo `count`.
/// The key is the job's `id` (else the line's text), so the split does not depend on the
/// order of the lines, and a line no process can read is reported by exactly one.
struct shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  [[nodiscard]] bool takes(std::string_view key) const noexcept;
};

/// `--shard I/N` (0 <= I < N). `auto` in place of I reads the scheduler's environment:
/// `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job), else `SLURM_ARRAY_TASK_ID` minus
/// `SLURM_ARRAY_TASK_MIN` (a Slurm job array); `auto` in place of N reads
/// `SLURM_ARRAY_TASK_COUNT`; `auto` alone is `auto/auto`. `getenv` null: the process's.
[[nodiscard]] result<shard> parse_shard(std::string_view text, getenv_function getenv = nullptr);

}  // namespace pyresolve::cli
