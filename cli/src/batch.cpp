#include "pyresolve/cli/batch.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "pyresolve/cli/batch_job.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/cli/output.hpp"
#include "pyresolve/cli/progress.hpp"
#include "pyresolve/cli/reporter.hpp"
#include "pyresolve/cli/resolve_command.hpp"
#include "pyresolve/cli/terminal_text.hpp"
#include "pyresolve/support/tsan.hpp"

namespace pyresolve::cli {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* batch_usage =
    "usage: resolve batch JOBS [OPTIONS]\n"
    "  JOBS                  a file of JSON lines, one job each (`-`: standard input):\n"
    "                        {\"id\": \"a\", \"requirements\": [\"requests\"], \"python_version\": "
    "\"3.12\"}\n"
    "                        or {\"id\": 2, \"file\": \"requirements.in\", \"universal\": true}\n"
    "  OPTIONS               resolve's flags, for every job (resolve --help)\n"
    "  --shard I/N           only the jobs whose id hashes to I modulo N; `auto` reads\n"
    "                        JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID/_MIN/_COUNT\n"
    "  --max-in-flight N     jobs read and not yet written (default: 2 per thread)\n"
    "  --stack-projects N    projects a shared index stack loads before the next jobs get a\n"
    "                        fresh one (default 20000)\n"
    "One JSON result a line on stdout; exit 0 when every job ran, 2 when a line is not a job.\n";

/// The batch's own flags, taken out before the rest is parsed as `resolve`'s.
struct batch_settings {
  std::string jobs;  ///< the jobs file, `-` for standard input
  std::optional<std::string> shard;
  std::size_t max_in_flight = 0;  ///< 0: two per thread
  std::uint64_t stack_projects = 20000;
  std::vector<std::string> common;  ///< every job's flags, before its own
};

result<std::uint64_t> positive(std::string_view flag, std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0)
    return fail(errc::invalid_argument,
                std::string(flag) + " " + std::string(text) + ": expected a positive number");
  return n;
}

result<batch_settings> read_settings(const std::vector<std::string>& args) {
  batch_settings s;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string_view flag = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      flag = std::string_view(arg).substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const bool ours = flag == "--shard" || flag == "--max-in-flight" || flag == "--stack-projects";
    if (!ours) {
      if (s.jobs.empty() && (arg == "-" || !arg.starts_with('-'))) {
        s.jobs = arg;
      } else {
        s.common.push_back(arg);
      }
      continue;
    }
    if (!value) {
      if (i + 1 == args.size()) return fail(errc::invalid_argument, std::string(flag) + " needs a value");
      value = args[++i];
    }
    if (flag == "--shard") {
      s.shard = *value;
    } else {
      auto n = positive(flag, *value);
      if (!n) return unexpected(n.error());
      (flag == "--max-in-flight" ? s.max_in_flight : s.stack_projects) = static_cast<std::size_t>(*n);
    }
  }
  if (s.jobs.empty())
    return fail(errc::invalid_argument, "resolve batch needs a jobs file (`-` for standard input)");
  return s;
}

/// The index stacks the jobs share, one per key (`stack_source`). A stack that has loaded
/// `project_limit` projects is replaced for the jobs that come next; jobs still on it keep it,
/// and the last one frees it. Stacks no job holds are let go when there are many keys.
class stack_pool {
 public:
  stack_pool(std::pmr::memory_resource* memory, log_sink log, std::uint64_t project_limit)
      : m_memory(memory), m_log(std::move(log)), m_limit(project_limit) {}

  result<std::shared_ptr<resolver::index_stack>> get(const std::string& key,
                                                     resolver::index_stack_options options) {
    const std::lock_guard lock(m_mutex);
    auto it = m_stacks.find(key);
    if (it != m_stacks.end() && it->second->provider().stats().projects >= m_limit) {
      m_stacks.erase(it);  // the jobs on it keep it
      it = m_stacks.end();
      ++m_replaced;
    }
    if (it == m_stacks.end()) {
      if (m_stacks.size() >= max_keys) drop_idle();
      options.memory = m_memory;
      options.log = m_log;
      options.before_provider = {};
      // Under the lock: two jobs asking for a new key at once must not build two stacks.
      auto opened = resolver::open_index_stack(std::move(options));
      if (!opened) return unexpected(opened.error());
      it = m_stacks.emplace(key, std::shared_ptr<resolver::index_stack>(std::move(*opened))).first;
      ++m_opened;
    }
    return it->second;
  }
  /// Once every job is done: their loads finish and complete the cache.
  void settle() {
    const std::lock_guard lock(m_mutex);
    for (auto& [key, stack] : m_stacks) stack->settle();
  }
  [[nodiscard]] std::uint64_t opened() const { return m_opened; }
  [[nodiscard]] std::uint64_t replaced() const { return m_replaced; }

 private:
  static constexpr std::size_t max_keys = 16;
  /// Lets go of the stacks no job holds (the jobs of a batch with many targets).
  void drop_idle() {
    for (auto it = m_stacks.begin(); it != m_stacks.end();)
      it = it->second.use_count() <= 1 ? m_stacks.erase(it) : std::next(it);
  }
  std::pmr::memory_resource* m_memory;
  log_sink m_log;
  std::uint64_t m_limit;
  std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<resolver::index_stack>, std::less<>> m_stacks;
  std::uint64_t m_opened = 0;
  std::uint64_t m_replaced = 0;
};

/// One line on its way through the pipeline.
struct slot {
  std::size_t line = 0;
  std::string text;
  std::string id;  ///< JSON text; empty: none
  std::optional<batch_job> job;
  std::string problem;  ///< why the line is not a job
  std::string result;   ///< the output line
  int code = exit_success;
  bool bad_input = false;
};

/// Reads the next line of at most `max_job_line` bytes (a longer one is kept cut, `too_long`).
bool next_line(std::streambuf& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  int c = in.sbumpc();
  if (c == std::char_traits<char>::eof()) return false;
  for (; c != std::char_traits<char>::eof() && c != '\n'; c = in.sbumpc()) {
    if (line.size() <= max_job_line) {
      line += static_cast<char>(c);
    } else {
      too_long = true;
    }
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

/// The lines holding something besides blanks, read in blocks (a line may be any length).
std::uint64_t count_jobs(std::streambuf& in) {
  std::uint64_t lines = 0;
  bool filled = false;
  std::array<char, 1 << 16> block{};
  for (std::streamsize got; (got = in.sgetn(block.data(), block.size())) > 0;) {
    for (const char c : std::string_view(block.data(), static_cast<std::size_t>(got))) {
      if (c == '\n') {
        lines += filled;
        filled = false;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        filled = true;
      }
    }
  }
  return lines + filled;
}

/// `resolve --format json`'s document on one line: its line breaks and the indentation after
/// them dropped (strings in it never hold a raw line break).
std::string one_line(const std::string& document) {
  std::string out;
  out.reserve(document.size());
  for (std::size_t i = 0; i < document.size(); ++i) {
    if (document[i] != '\n') {
      out += document[i];
      continue;
    }
    while (i + 1 < document.size() && document[i + 1] == ' ') ++i;
  }
  return out;
}

/// What a failed job printed, as its `error`: without the `error: ` prefix and the last line
/// break.
std::string error_text(std::string text) {
  if (text.starts_with("error: ")) text.erase(0, 7);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void run_job(slot& s, const batch_settings& settings, const shared_run& shared) {
  std::vector<std::string> args = s.job->sources;
  args.insert(args.end(), settings.common.begin(), settings.common.end());
  args.insert(args.end(), s.job->flags.begin(), s.job->flags.end());
  args.emplace_back("--format=json");
  auto parsed = parse_command_line(args);
  std::ostringstream out, err;
  if (!parsed.parsed) {  // an unknown flag or a bad value: the line is not a job
    s.code = exit_error;
    s.bad_input = true;
    const std::string message = error_text(parsed.message);
    s.problem = message.substr(0, message.find("\nRun with --help"));
    return;
  }
  std::istringstream in(s.job->requirements);
  reporter quiet(err, false, -1);
  try {
    s.code = run_resolve(*parsed.parsed, in, out, quiet, false, {}, {}, shared);
  } catch (const std::exception& e) {  // bad_alloc: this job's failure, not the batch's
    s.code = exit_error;
    err << "error: " << e.what() << "\n";
  }
  if (s.code == exit_success) {
    s.result = one_line(out.str());
  } else {
    s.problem = error_text(err.str());
  }
}

/// The output line of a finished slot.
std::string result_line(const slot& s, const std::string& jobs_name) {
  std::string line = "{\"id\": " + (s.id.empty() ? std::string("null") : s.id) +
                     fmt::format(", \"line\": {}, \"exit_code\": {}, \"error\": ", s.line, s.code);
  if (s.code == exit_success) {
    line += "null";
    if (s.result.size() > 2)
      line += ", " + s.result.substr(1);  // the document's members
    else
      line += "}";
    return line;
  }
  line += json_quote(s.bad_input ? fmt::format("{}:{}: {}", jobs_name, s.line, s.problem) : s.problem);
  return line + "}";
}

// The pipeline's stages run on oneTBB threads, which TSan cannot see synchronize (support/tsan.hpp):
// each stage acquires this address when it starts and releases it when it ends.
int pipeline_handoff = 0;

/// Announces a stage's start and end to TSan.
class stage_guard {
 public:
  stage_guard() { tsan_acquire(&pipeline_handoff); }
  ~stage_guard() { tsan_release(&pipeline_handoff); }
  stage_guard(const stage_guard&) = delete;
  stage_guard& operator=(const stage_guard&) = delete;
};

struct batch_counts {
  std::atomic<std::uint64_t> done{0}, resolved{0}, unsatisfiable{0}, failed{0}, bad{0};
};

std::string batch_progress(const batch_counts& counts, std::uint64_t total, clock_type::time_point started) {
  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  const auto done = counts.done.load(std::memory_order_relaxed);
  return fmt::format(
      "Batch: {}/{} jobs, {:.1f} jobs/s, {} without a solution, {} failed", done,
      total == 0 ? std::string("?") : std::to_string(total),
      seconds > 0 ? static_cast<double>(done) / seconds : 0.0,
      counts.unsatisfiable.load(std::memory_order_relaxed),
      counts.failed.load(std::memory_order_relaxed) + counts.bad.load(std::memory_order_relaxed));
}

}  // namespace

int run_batch(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
              bool err_is_terminal, const finish_hook& finish, const start_hook& before_workers) {
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    out << batch_usage;
    return exit_success;
  }
  auto settings = read_settings(args);
  if (!settings) {
    err << "error: " << escape_controls(settings.error().message) << "\n" << batch_usage;
    return exit_error;
  }
  // The common flags must make sense on their own (a stand-in source in place of a job's).
  std::vector<std::string> check = settings->common;
  check.emplace_back("-");
  auto parsed = parse_command_line(check);
  if (!parsed.parsed) return print_stop(parsed, out, err);
  const options& base = *parsed.parsed;
  const auto refuse = [&err](const std::string& why) {
    err << "error: resolve batch: " << why << "\n";
    return exit_error;
  };
  if (base.sources.size() != 1) return refuse("the sources come from the jobs, one set per line");
  if (base.output_file) return refuse("every result goes to standard output, one line each (no -o)");
  if (base.format != output_format::requirements_txt && base.format != output_format::json)
    return refuse("results are JSON (no --format)");
  if (base.cache != cache_command::none) return refuse("`resolve cache` is a command of its own");
  std::optional<shard> part;
  if (settings->shard) {
    auto read = parse_shard(*settings->shard);
    if (!read) return refuse(read.error().message);
    part = *read;
  }
  if (base.directory) {
    std::error_code ec;
    std::filesystem::current_path(*base.directory, ec);
    if (ec) return refuse("--directory " + escape_controls(*base.directory) + ": " + ec.message());
  }
  std::ifstream file;
  std::uint64_t total = 0;
  if (settings->jobs != "-") {
    // A regular file only, as every input: a FIFO or device could block or never end.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(settings->jobs, ec))
      return refuse("the jobs file " + escape_controls(settings->jobs) + " is not a regular file");
    file.open(settings->jobs, std::ios::binary);
    if (!file) return refuse("cannot read the jobs file " + escape_controls(settings->jobs));
  }
  std::streambuf& lines = settings->jobs == "-" ? *in.rdbuf() : *file.rdbuf();

  const bool color =
      base.color == color_mode::always || (base.color == color_mode::automatic && err_is_terminal);
  reporter report(err, color, base.quiet > 0 ? -1 : base.verbose);
  for (const auto& warning : base.warnings) report.warning(warning);
  auto heap = run_heap::make(base.allocator, report);
  if (!heap) return exit_error;

  const unsigned threads =
      base.threads != 0 ? base.threads : std::max(1U, std::thread::hardware_concurrency());
  const std::size_t in_flight =
      settings->max_in_flight != 0 ? settings->max_in_flight : 2 * std::size_t{threads};
  if (before_workers) before_workers();  // the program's start-up thread is done first
  // More jobs at once than cores, when asked (their solvers block on loads); one more for the
  // arenas that each job's provider and forks reserve for their caller.
  std::optional<tbb::global_control> parallelism;
  if (static_cast<int>(threads) > tbb::this_task_arena::max_concurrency())
    parallelism.emplace(tbb::global_control::max_allowed_parallelism, std::size_t{threads} + 1);
  tbb::task_arena arena(static_cast<int>(threads));

  stack_pool pool(heap->get(), report.sink(), settings->stack_projects);
  shared_run shared;
  shared.memory = heap->get();
  shared.memory_name = heap->name();
  shared.stacks = [&pool](const std::string& key, resolver::index_stack_options o) {
    return pool.get(key, std::move(o));
  };

  batch_counts counts;
  const auto started = clock_type::now();
  std::optional<progress_display> progress;
  if (err_is_terminal && !base.no_progress && base.quiet == 0) {
    if (settings->jobs != "-") {  // the total, for the progress line: one pass over the file
      std::ifstream count(settings->jobs, std::ios::binary);
      total = count_jobs(*count.rdbuf());
    }
    progress.emplace([&report](const std::string& text) { report.progress(text); },
                     [&] { return batch_progress(counts, total, started); });
  }

  std::size_t line_number = 0;
  const std::string jobs_name = settings->jobs == "-" ? std::string("<stdin>") : settings->jobs;
  tsan_release(&pipeline_handoff);
  arena.execute([&] {
    tbb::parallel_pipeline(
        in_flight,
        // Reads the next line this shard runs.
        tbb::make_filter<void, slot*>(tbb::filter_mode::serial_in_order,
                                      [&](tbb::flow_control& control) -> slot* {
                                        const stage_guard stage;
                                        std::string text;
                                        bool too_long = false;
                                        while (next_line(lines, text, too_long)) {
                                          ++line_number;
                                          if (text.find_first_not_of(" \t") == std::string::npos) continue;
                                          auto s = std::make_unique<slot>();
                                          s->line = line_number;
                                          if (too_long) {
                                            s->problem = fmt::format("longer than {} bytes", max_job_line);
                                          } else if (auto job = read_batch_job(text)) {
                                            s->id = job->id;
                                            s->job = std::move(*job);
                                          } else {
                                            s->problem = job.error().message;
                                          }
                                          if (part && !part->takes(s->id.empty() ? text : s->id)) continue;
                                          if (!s->job) {
                                            s->code = exit_error;
                                            s->bad_input = true;
                                          }
                                          return s.release();
                                        }
                                        control.stop();
                                        return nullptr;
                                      }) &
            // Resolves it.
            tbb::make_filter<slot*, slot*>(tbb::filter_mode::parallel,
                                           [&](slot* s) {
                                             const stage_guard stage;
                                             if (s->job) run_job(*s, *settings, shared);
                                             return s;
                                           }) &
            // Writes its result, in the order the jobs end.
            tbb::make_filter<slot*, void>(tbb::filter_mode::serial_out_of_order, [&](slot* raw) {
              const stage_guard stage;
              const std::unique_ptr<slot> s(raw);
              out << result_line(*s, jobs_name) << '\n' << std::flush;
              auto& counter = s->bad_input                    ? counts.bad
                              : s->code == exit_success       ? counts.resolved
                              : s->code == exit_unsatisfiable ? counts.unsatisfiable
                                                              : counts.failed;
              counter.fetch_add(1, std::memory_order_relaxed);
              counts.done.fetch_add(1, std::memory_order_relaxed);
            }));
  });
  tsan_acquire(&pipeline_handoff);
  if (progress) progress->stop();
  pool.settle();

  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  const auto done = counts.done.load();
  std::string summary = fmt::format(
      "Ran {} job{} in {:.2f}s ({:.1f} jobs/s): {} resolved, {} without a solution, {} failed", done,
      done == 1 ? "" : "s", seconds, seconds > 0 ? static_cast<double>(done) / seconds : 0.0,
      counts.resolved.load(), counts.unsatisfiable.load(), counts.failed.load());
  if (counts.bad.load() != 0) summary += fmt::format(", {} not a job", counts.bad.load());
  report.status(summary);
  report.info(fmt::format("  threads: {}, jobs in flight: at most {}, index stacks: {} opened, {} replaced",
                          threads, in_flight, pool.opened(), pool.replaced()));
  if (const auto* counted = heap->counted()) report.info(allocation_line(counted->stats()));
  const int code = counts.bad.load() != 0 ? exit_error : exit_success;
  if (finish) finish(code);  // may end the process: the stacks' memory is not freed then
  return code;
}

}  // namespace pyresolve::cli
