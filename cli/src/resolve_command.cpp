#include "pyresolve/cli/resolve_command.hpp"

#include <fmt/format.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"
#include "pyresolve/cli/build_wheels.hpp"
#include "pyresolve/cli/direct_sources.hpp"
#include "pyresolve/cli/find_links.hpp"
#include "pyresolve/cli/inputs.hpp"
#include "pyresolve/cli/output.hpp"
#include "pyresolve/cli/output_file.hpp"
#include "pyresolve/cli/progress.hpp"
#include "pyresolve/cli/target.hpp"
#include "pyresolve/index/http.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/resolver/direct_provider.hpp"
#include "pyresolve/resolver/flat_provider.hpp"
#include "pyresolve/resolver/index_provider.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::cli {
namespace {

using clock_type = std::chrono::steady_clock;

/// `--no-deps`: every package without its requirements, so that only the user's are resolved.
class without_dependencies final : public resolver::provider {
 public:
  explicit without_dependencies(resolver::provider& inner) : m_inner(inner) {}
  result<std::span<const resolver::candidate>> versions(std::string_view name) override {
    return m_inner.versions(name);
  }
  result<std::span<const packaging::requirement>> dependencies(std::string_view,
                                                               const packaging::version&) override {
    return std::span<const packaging::requirement>{};
  }
  [[nodiscard]] bool concurrent() const noexcept override { return m_inner.concurrent(); }

 private:
  resolver::provider& m_inner;
};

/// An explanation in uv's frame (miette's): the heading, the first line after `╰─▶`, the others
/// indented under it (blank lines stay blank).
std::string uv_frame(std::string_view explanation) {
  std::string out = "  × No solution found when resolving dependencies:\n  ╰─▶ ";
  std::size_t start = 0;
  for (bool first = true;; first = false) {
    const std::size_t end = explanation.find('\n', start);
    const std::string_view line =
        explanation.substr(start, end == std::string_view::npos ? end : end - start);
    if (!first) out += line.empty() ? "\n" : "\n      ";
    out += line;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

/// Forwards to the real provider, counting for the progress display and keeping the first
/// failure to read a page or metadata (anything but "no such project" for pages, `io_error`
/// for metadata: see `index_provider::dependencies`): an unreachable index, a corrupt entry
/// or, offline, a page or metadata file not in the cache must end the run with exit code 2
/// naming it, neither pass for an unsatisfiable set of requirements nor let the solver settle
/// on another version. Offline, a page not in the cache is such a failure (`io_error`); "not
/// found" is the index's own 404, recorded by the run that fetched it, so the same answer.
class observed_provider final : public resolver::provider {
 public:
  explicit observed_provider(resolver::provider& inner) : m_inner(inner) {}

  result<std::span<const resolver::candidate>> versions(std::string_view name) override {
    m_discovered.fetch_add(1, std::memory_order_relaxed);
    auto got = m_inner.versions(name);
    if (!got && got.error().code != errc::not_found) remember(got.error());
    return got;
  }
  result<std::span<const packaging::requirement>> dependencies(std::string_view name,
                                                               const packaging::version& version) override {
    return observed(name, m_inner.dependencies(name, version));
  }
  result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) override {
    return observed(name, m_inner.dependencies_without_extra_only(name, version));
  }
  void prefetch(std::string_view name) override { m_inner.prefetch(name); }
  [[nodiscard]] bool concurrent() const noexcept override { return m_inner.concurrent(); }

  [[nodiscard]] std::uint64_t discovered() const { return m_discovered.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t resolved() const { return m_resolved.load(std::memory_order_relaxed); }
  /// After the resolve (no solver thread runs any more).
  [[nodiscard]] const std::optional<pyresolve::error>& first_error() const { return m_error; }

 private:
  result<std::span<const packaging::requirement>> observed(
      std::string_view name, result<std::span<const packaging::requirement>> got) {
    // The solver may read several versions of one package: count each package once.
    {
      const std::lock_guard lock(m_mutex);
      if (m_with_dependencies.emplace(name).second) m_resolved.fetch_add(1, std::memory_order_relaxed);
    }
    if (!got && got.error().code == errc::io_error) remember(got.error());
    return got;
  }
  void remember(const pyresolve::error& failure) {
    const std::lock_guard lock(m_mutex);
    if (!m_error) m_error = failure;
  }
  resolver::provider& m_inner;
  std::mutex m_mutex;  // the forks of a universal resolution ask from several threads
  std::set<std::string, std::less<>> m_with_dependencies;
  std::atomic<std::uint64_t> m_discovered{0};
  std::atomic<std::uint64_t> m_resolved{0};
  std::optional<pyresolve::error> m_error;
};

// `:all:` sets the flag, `:none:` clears what came before (pip's rule), names are normalized.
void apply_binary_flags(const std::vector<std::string>& values, bool& all, std::vector<std::string>& names) {
  for (const auto& value : values) {
    if (value == ":all:") {
      all = true;
    } else if (value == ":none:") {
      all = false;
      names.clear();
    } else {
      names.push_back(packaging::normalize_name(value));
    }
  }
}

index::index_locations locations_of(const options& opt, const user_input& input) {
  index::index_locations where;
  if (opt.index_url) {
    where.index_url = *opt.index_url;
  } else if (input.index.index_url) {
    where.index_url = *input.index.index_url;
  }
  where.extra_index_urls = opt.extra_index_urls;
  where.extra_index_urls.insert(where.extra_index_urls.end(), input.index.extra_index_urls.begin(),
                                input.index.extra_index_urls.end());
  where.no_index = opt.no_index || input.index.no_index;
  if (opt.index_strategy == "unsafe-first-match") {
    where.strategy = index::index_strategy::unsafe_first_match;
  } else if (opt.index_strategy == "unsafe-best-match") {
    where.strategy = index::index_strategy::unsafe_best_match;
  }
  return where;
}

/// The environments of `--universal`, as a Requires-Python: `>=X.Y` from `--python-version`,
/// else the pyproject.toml's `requires-python`, else `>=` the target's `X.Y`.
std::string universal_requires_python(const options& opt, const user_input& input,
                                      const chosen_target& target) {
  if (opt.python_version) return ">=" + *opt.python_version;
  if (input.requires_python) return *input.requires_python;
  const auto& v = target.python_version;
  return ">=" + v.substr(0, v.find('.', v.find('.') + 1));
}

/// `requires_python` as a marker: each clause on `python_full_version`.
result<packaging::marker> universe_marker(const std::string& requires_python) {
  auto spec = packaging::specifier_set::parse(requires_python);
  if (!spec)
    return fail(errc::invalid_argument, "requires-python " + requires_python + ": " + spec.error().message);
  std::string text;
  for (const auto& clause : spec->specifiers()) {
    const std::string written = clause.to_string();
    const auto at = written.find_first_not_of("~=!<>");
    if (at == std::string::npos) continue;
    text += (text.empty() ? "" : " and ") + std::string("python_full_version ") + written.substr(0, at) +
            " '" + written.substr(at) + "'";
  }
  if (text.empty()) return packaging::marker();
  auto m = packaging::marker::parse(text);
  if (!m)
    return fail(errc::invalid_argument, "requires-python " + requires_python + ": " + m.error().message);
  return std::move(*m);
}

std::string format_duration(std::chrono::nanoseconds d) {
  return fmt::format("{:.1f} ms", std::chrono::duration<double, std::milli>(d).count());
}

/// Everything in `o` that changes what an index stack answers, for sharing stacks between
/// the jobs of a batch; fields apart by a unit separator, lists by a record separator.
std::string stack_key(const resolver::index_stack_options& o, const chosen_target& target) {
  const auto list = [](const std::vector<std::string>& values) {
    return fmt::format("{}", fmt::join(values, "\x1e"));
  };
  std::vector<std::string> cutoffs;
  for (const auto& [name, at] : o.exclude_newer.packages) cutoffs.push_back(name + "=" + std::to_string(at));
  const std::vector<std::string> fields{o.locations.index_url,
                                        list(o.locations.extra_index_urls),
                                        std::to_string(o.locations.no_index),
                                        std::to_string(static_cast<int>(o.locations.strategy)),
                                        o.cache_dir.string(),
                                        fmt::format("{}{}{}", o.no_cache, o.offline, o.refresh),
                                        list(o.refresh_packages),
                                        std::to_string(o.http.total_timeout.count()),
                                        std::to_string(o.http.max_body_size),
                                        target.python_version,
                                        target.python_platform,
                                        std::to_string(o.binaries.no_binary_all),
                                        list(o.binaries.no_binary),
                                        std::to_string(o.binaries.only_binary_all),
                                        list(o.binaries.only_binary),
                                        std::to_string(o.universal),
                                        std::to_string(o.exclude_newer.global.value_or(-1)),
                                        list(cutoffs),
                                        std::to_string(static_cast<int>(o.requires_python)),
                                        std::to_string(o.threads)};
  return fmt::format("{}", fmt::join(fields, "\x1f"));
}

}  // namespace

std::unique_ptr<run_heap> run_heap::make(const std::string& strategy, reporter& report) {
  const auto tuning = allocator::heap_tuning_from_environment();
  if (!tuning) {
    report.error(tuning.error().to_string());
    return nullptr;
  }
  auto made = allocator::make_resource(strategy, *tuning);
  if (!made) {
    report.error("--allocator: " + made.error().to_string());
    return nullptr;
  }
  std::unique_ptr<run_heap> heap(new run_heap(std::move(*made)));
  report.info(
      fmt::format("allocator: {} (malloc served by {})", heap->name(), allocator::process_allocator_name()));
  // The settings the program applied, if it did (`main` does); reporting changes nothing.
  if (*tuning == allocator::heap_tuning::short_run) {
    const std::string applied = allocator::applied_heap_tuning();
    report.info("heap tuning: " + (applied.empty() ? std::string("none applied") : applied));
  } else {  // jemalloc's settings are read before `main`, from the program and `MALLOC_CONF`
    const std::string jemalloc = allocator::jemalloc_settings();
    report.info("heap tuning: off" + (jemalloc.empty() ? std::string() : "; jemalloc: " + jemalloc));
  }
  // With -v the resource is counted (benches/resolve_bench.py reads the line); without, nothing
  // sits between the library and the heap: counting costs ~115 instructions per alloc+free.
  if (report.verbosity() >= 1)
    heap->m_counted = std::make_unique<allocator::counting_resource>(heap->m_handle.get());
  return heap;
}

std::string allocation_line(const allocator::allocation_stats& a) {
  return fmt::format("  allocations: {} allocs, {} frees, {} bytes, peak {} bytes, {} cross-thread frees",
                     a.allocations, a.frees, a.bytes_allocated, a.peak_live_bytes, a.cross_thread_frees);
}

int run_resolve(const options& opt, std::istream& in, std::ostream& out, reporter& report,
                bool progress_allowed, const finish_hook& finish, const start_hook& before_workers,
                const shared_run& shared) {
  const auto started = clock_type::now();
  std::vector<timing> timings;
  auto lap = [&, last = started](const char* name) mutable {
    const auto now = clock_type::now();
    timings.push_back(timing{name, now - last});
    last = now;
  };

  auto input = read_inputs(opt, in);
  if (!input) {
    report.error(input.error().to_string());
    return exit_error;
  }
  for (const auto& warning : opt.warnings) report.warning(warning);
  for (const auto& ignored : input->ignored)
    report.info("ignoring `" + ignored + "` (it does not affect a resolve)");
  lap("read_inputs");
  // A universal resolution serves every platform: the platform is not asked of python3 (nor
  // the Python, when --python-version gives the lower bound).
  options target_flags = opt;
  if (opt.universal && !target_flags.python_platform) target_flags.python_platform = "linux";
  auto target = choose_target(target_flags);
  if (!target) {
    report.error(target.error().to_string());
    return exit_error;
  }
  lap("target");
  report.info(fmt::format("target: Python {} on {} ({})", target->python_version, target->python_platform,
                          target->how));
  // A batch's heap serves all its jobs; a single run builds its own.
  std::unique_ptr<run_heap> heap;
  std::pmr::memory_resource* memory = shared.memory;
  if (memory == nullptr) {
    heap = run_heap::make(opt.allocator, report);
    if (!heap) return exit_error;
    memory = heap->get();
  }
  const std::string& heap_name = heap ? heap->name() : shared.memory_name;

  resolver::resolve_options resolve_options;
  resolve_options.environment = target->environment;
  resolve_options.strategy =
      resolver::resolution_strategy_named(opt.resolution).value_or(resolver::resolution_strategy::highest);
  resolve_options.prerelease = resolver::prerelease_mode_named(opt.prerelease)
                                   .value_or(resolver::prerelease_mode::if_necessary_or_explicit);
  if (input->index.pre && opt.prerelease == "if-necessary-or-explicit") {
    resolve_options.prerelease = resolver::prerelease_mode::allow;
  }
  resolve_options.constraints = input->constraints;
  resolve_options.overrides = input->overrides;
  resolve_options.excludes = input->excludes;
  resolve_options.upgrade = opt.upgrade;
  // `-P 'click<8.1'`: click's pin is dropped and the new version kept within <8.1, as in uv.
  for (const auto& text : opt.upgrade_packages) {
    auto req = packaging::requirement::parse(text);
    if (!req) {
      report.error("--upgrade-package '" + text + "': " + req.error().message);
      return exit_error;
    }
    resolve_options.upgrade_packages.push_back(req->normalized_name());
    if (!req->specifiers.empty() || req->marker) resolve_options.constraints.push_back(std::move(*req));
  }
  resolve_options.memory = memory;
  std::string requires_python;
  if (opt.universal) {
    requires_python = universal_requires_python(opt, *input, *target);
    auto universe = universe_marker(requires_python);
    if (!universe) {
      report.error(universe.error().to_string());
      return exit_error;
    }
    resolve_options.universal = std::move(*universe);
    resolve_options.threads = opt.threads;
    report.info("universal: every platform, Python " + requires_python);
  }
  if (opt.output_file && !opt.upgrade) {
    auto pins = read_pins(*opt.output_file, opt.format);
    if (pins) {
      resolve_options.preferences = std::move(*pins);
    } else {
      report.warning("the existing pins of " + *opt.output_file +
                     " are ignored: " + pins.error().to_string());
    }
  }
  lap("read_pins");

  resolver::index_stack_options stack_options;
  stack_options.locations = locations_of(opt, *input);
  if (opt.cache_dir) stack_options.cache_dir = *opt.cache_dir;
  stack_options.no_cache = opt.no_cache;
  stack_options.offline = opt.offline;
  stack_options.refresh = opt.refresh;
  stack_options.refresh_packages = opt.refresh_packages;
  if (opt.http_timeout) stack_options.http.total_timeout = std::chrono::seconds(*opt.http_timeout);
  if (opt.max_response_size) stack_options.http.max_body_size = *opt.max_response_size;
  stack_options.environment = target->environment;
  // A file's --no-binary / --only-binary first, then the command line's (`:none:` resets).
  const auto then = [](std::vector<std::string> first, const std::vector<std::string>& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
  };
  const auto bounds =
      opt.requires_python_upper_bounds ? resolver::python_bounds::all : resolver::python_bounds::lower_only;
  const auto no_binary = then(split_commas(input->index.no_binary), opt.no_binary);
  const auto only_binary = then(split_commas(input->index.only_binary), opt.only_binary);
  apply_binary_flags(no_binary, stack_options.binaries.no_binary_all, stack_options.binaries.no_binary);
  apply_binary_flags(only_binary, stack_options.binaries.only_binary_all, stack_options.binaries.only_binary);
  stack_options.universal = opt.universal;
  stack_options.exclude_newer = {opt.exclude_newer, opt.exclude_newer_packages};
  stack_options.requires_python = bounds;
  stack_options.threads = opt.threads;
  stack_options.memory = memory;
  stack_options.log = report.sink();
  // The program's own start-up thread, if any, is done before the provider's workers start.
  stack_options.before_provider = before_workers;
  // Builds resolve their requirements against the same indexes and cache (wheels only).
  const resolver::index_stack_options build_stack_options = stack_options;
  std::shared_ptr<resolver::index_stack> stack;
  if (shared.stacks) {
    auto lent = shared.stacks(stack_key(stack_options, *target), std::move(stack_options));
    if (!lent) {
      report.error(lent.error().to_string());
      return exit_error;
    }
    stack = std::move(*lent);
  } else {
    auto opened = resolver::open_index_stack(std::move(stack_options));
    if (!opened) {
      report.error(opened.error().to_string());
      return exit_error;
    }
    stack = std::move(*opened);
  }
  lap("cache_open");
  const index::index_locations& where = stack->locations();
  report.info(where.no_index ? std::string("index: none (--no-index)")
                             : "index: " + index::redact_url(where.index_url) +
                                   (where.extra_index_urls.empty()
                                        ? ""
                                        : fmt::format(" (+{} extra)", where.extra_index_urls.size())));
  resolver::index_provider& source = stack->provider();
  observed_provider observed(source);
  // The outcome is final: settle the provider (its last loads complete the cache), then let
  // the program end here if it wants to.
  auto finished = [&](int code) {
    if (shared.stacks) return code;  // the batch settles its stacks
    stack->settle();
    if (finish) finish(code);  // may end the process: the stack's memory is not freed then
    stack.reset();
    return code;
  };

  // Sources given by URL or path: read before the solver starts, each pinning its name.
  direct_set directs;
  if (!input->directs.empty()) {
    index::direct_source_options direct_options;
    if (!opt.no_cache) direct_options.cache_dir = stack->store().root();
    direct_options.offline = opt.offline;
    direct_options.hash = opt.generate_hashes || opt.format == output_format::pylock_toml;
    if (!opt.no_build) {
      index::build_options build;
      build.cache_dir = direct_options.cache_dir;
      build.python = opt.python;
      build.isolation = !opt.no_build_isolation;
      build.config_settings = opt.config_settings;
      auto wheels = std::make_shared<build_wheels>(build_stack_options, input->build_constraints);
      build.wheels_for = [wheels](const std::vector<packaging::requirement>& requirements) {
        return (*wheels)(requirements);
      };
      direct_options.build = std::move(build);
    }
    auto read = read_direct_sources(*input, stack->client(), direct_options, target->environment);
    if (!read) {
      report.error(read.error().to_string());
      return finished(exit_error);
    }
    directs = std::move(*read);
    if (opt.universal) {
      for (auto& package : directs.packages) package.has_compatible_dist = true;
    }
    lap("read_direct_sources");
  }
  // --find-links: flat listings merged with the indexes, below the direct sources.
  std::optional<resolver::flat_provider> flat;
  std::vector<std::string> find_links = opt.find_links;
  find_links.insert(find_links.end(), input->index.find_links.begin(), input->index.find_links.end());
  if (!find_links.empty()) {
    auto listing = read_find_links(find_links, stack->http());
    if (!listing) {
      report.error(listing.error().to_string());
      return finished(exit_error);
    }
    flat.emplace(observed, std::move(*listing), stack->client(), target->environment, opt.universal, bounds);
  }
  resolver::provider& listed = flat ? static_cast<resolver::provider&>(*flat) : observed;
  without_dependencies no_deps(listed);
  resolver::provider& below = opt.no_deps ? static_cast<resolver::provider&>(no_deps) : listed;
  resolver::direct_provider direct(below, std::move(directs.packages), target->environment, bounds);

  std::vector<packaging::requirement> requirements;
  requirements.reserve(input->requirements.size());
  for (const auto& req : input->requirements) requirements.push_back(req.requirement);

  std::optional<progress_display> progress;
  if (progress_allowed) {
    progress.emplace([&report](const std::string& text) { report.progress(text); },
                     [&] {
                       progress_counts counts;
                       counts.resolved = observed.resolved();
                       counts.discovered = observed.discovered();
                       const auto h = stack->http().stats();
                       const auto c = stack->index().stats();
                       counts.requests = h.requests;
                       counts.bytes = h.bytes;
                       // Approximate: completed requests are those the cache recorded; retries and range
                       // requests make this an upper bound, never a negative number.
                       const auto done = c.fetched + c.revalidated + c.metadata_fetched;
                       counts.in_flight = h.requests > done ? h.requests - done : 0;
                       return progress_line(counts);
                     });
  }
  const auto solve_started = clock_type::now();
  auto outcome = resolver::resolve(requirements, resolve_options, direct);
  if (progress) progress->stop();
  lap("resolve");
  const auto provider_stats = source.stats();
  timings.push_back(timing{"load_summed_over_workers", provider_stats.load_time});
  timings.push_back(timing{"solver_waiting", provider_stats.wait_time});
  const auto solve_time = clock_type::now() - solve_started;
  timings.push_back(timing{"solve", solve_time > provider_stats.wait_time
                                        ? solve_time - provider_stats.wait_time
                                        : std::chrono::nanoseconds{0}});

  if (!outcome) {
    if (observed.first_error()) {
      report.error(observed.first_error()->to_string());
      return exit_error;
    }
    if (outcome.error().what != resolver::resolve_failure::kind::unsatisfiable) {
      report.error(outcome.error().explanation);
      return exit_error;
    }
    const auto& failure = outcome.error();
    std::string text = uv_frame(failure.explanation);
    if (!failure.python_needed.empty()) {
      // uv's hint, naming the flag that sets the target.
      text += "\n\nhint: The " +
              (opt.python_version ? "`--python-version` value (>=" + *opt.python_version + ")"
                                  : "target Python version (" + target->python_version + ")") +
              " includes Python versions that are not supported by your dependencies (e.g., " +
              failure.python_needed_by + " only supports " + failure.python_needed +
              "). Consider using a higher `--python-version` value.";
    }
    if (opt.exclude_newer || !opt.exclude_newer_packages.empty()) {
      // uv's hint, for every package at once: the versions past a cutoff were not listed.
      text += "\n\nhint: Only files uploaded before " +
              (opt.exclude_newer ? index::format_upload_time(*opt.exclude_newer) + " (`--exclude-newer`)"
                                 : std::string("the `--exclude-newer-package` cutoffs")) +
              " were considered. Consider using `--exclude-newer-package NAME=DATE` to override the cutoff "
              "for a package.";
    }
    report.explanation(text);
    return finished(exit_unsatisfiable);
  }
  // The answer was found without something the solver asked for: it may not be the right one.
  if (observed.first_error()) {
    report.error(observed.first_error()->to_string());
    return exit_error;
  }
  if (opt.universal) {
    report.info(fmt::format("universal: {} fork{} merged ({} solves)", outcome->stats.forks,
                            outcome->stats.forks == 1 ? "" : "s", outcome->stats.fork_solves));
  }

  render_context context;
  context.opt = &opt;
  context.input = &*input;
  if (!where.no_index) {
    context.index_urls.push_back(where.index_url);
    context.index_urls.insert(context.index_urls.end(), where.extra_index_urls.begin(),
                              where.extra_index_urls.end());
  }
  context.sources = [&source, &flat](std::string_view name, const packaging::version& version) {
    if (flat) {
      if (const auto* files = flat->files(name, version)) return package_source{std::string(), files};
    }
    return package_source{source.index_url(name, version), source.files(name, version)};
  };
  context.python_version = target->python_version;
  context.python_platform = target->python_platform;
  context.requires_python = requires_python;
  context.allocator = heap_name;
  context.directs = &directs.by_name;
  context.no_binary = no_binary;
  context.find_links = find_links;
  context.only_binary = only_binary;
  context.timings = timings;
  context.timings.push_back(timing{"total", clock_type::now() - started});
  auto text = opt.format == output_format::json          ? render_json(*outcome, context)
              : opt.format == output_format::pylock_toml ? render_pylock(*outcome, context)
                                                         : render_requirements_txt(*outcome, context);
  if (!text) {
    report.error(text.error().to_string());
    return exit_error;
  }
  // As uv: the output goes to the file and, unless -q, to standard output as well.
  if (opt.output_file) {
    if (auto written = write_atomically(*opt.output_file, *text); !written) {
      report.error(written.error().to_string());
      return exit_error;
    }
  }
  if (!opt.output_file || opt.quiet == 0) out << *text << std::flush;
  lap("write_output");
  const auto elapsed = std::chrono::duration<double, std::milli>(clock_type::now() - started).count();
  report.status(fmt::format(
      "Resolved {} package{} in {}", outcome->packages.size(), outcome->packages.size() == 1 ? "" : "s",
      elapsed < 1000 ? fmt::format("{:.0f}ms", elapsed) : fmt::format("{:.2f}s", elapsed / 1000)));
  // What the answer says about the input (an extra no version defines) follows the summary, as
  // uv's diagnostics do.
  for (const auto& warning : outcome->warnings) {
    // With --no-deps no package has requirements, so none seems to define its extras.
    if (opt.no_deps && warning.find("does not have an extra named") != std::string::npos) continue;
    report.warning(warning);
  }

  if (report.verbosity() >= 1) {
    // Prefetches still in flight are counted by the client when they start and by the cache
    // when they end: settle first (finished() would anyway), so the two counts agree.
    stack->settle();
    const auto h = stack->http().stats();
    const auto c = stack->index().stats();
    for (const auto& t : timings)
      report.info(fmt::format("  {:<26} {}", t.name, format_duration(t.duration)));
    report.info(fmt::format("  network: {} requests ({} retries), {:.1f} KiB", h.requests, h.retries,
                            static_cast<double>(h.bytes) / 1024.0));
    report.info(fmt::format(
        "  cache: {} fresh, {} revalidated, {} fetched, {} corrupt; metadata {} cached, {} fetched",
        c.fresh_hits, c.revalidated, c.fetched, c.corrupt, c.metadata_hits, c.metadata_fetched));
    const auto& solver = outcome->stats;
    report.info(fmt::format("  solver: {} decisions, {} backjumps, {} assignments, {} incompatibilities",
                            solver.decisions, solver.backjumps, solver.assignments,
                            solver.incompatibilities));
    report.info(fmt::format(
        "  provider: {} projects, {} metadata, {} prefetched, {} solver waits ({} loads run by the solver), "
        "{} loads on {} I/O threads",
        provider_stats.projects, provider_stats.metadata, provider_stats.prefetched,
        provider_stats.solver_waits, provider_stats.solver_loads, provider_stats.io_loads,
        provider_stats.io_threads));
    if (const auto* counted = heap ? heap->counted() : nullptr) {
      const auto a = counted->stats();
      report.info(allocation_line(a));
    }
  }
  return finished(exit_success);
}

}  // namespace pyresolve::cli
