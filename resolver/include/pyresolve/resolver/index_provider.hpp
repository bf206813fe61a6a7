#pragma once
/// @file
/// A provider over real simple repositories, through the on-disk cache, that loads project
/// pages and metadata as oneTBB tasks while the solver decides; loads that need the network
/// move to I/O threads of its own.
///
/// ```cpp
/// auto store = pyresolve::cache::cache::open({});
/// pyresolve::index::http_client http;
/// pyresolve::index::index_client client(http);
/// pyresolve::cache::cached_index index(**store, client, {.index_url = "file:///srv/simple"});
/// pyresolve::resolver::index_provider_options popts;
/// popts.environment = options.environment;
/// pyresolve::resolver::index_provider source(index, popts);
/// auto out = pyresolve::resolve(requirements, options, source);
/// ```

#include <chrono>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::resolver {

/// Which distributions count, as pip's and uv's `--no-binary` / `--only-binary`.
struct PYRESOLVE_API binary_policy {
  bool no_binary_all = false;            ///< `--no-binary :all:`: wheels are ignored
  std::vector<std::string> no_binary;    ///< normalized names whose wheels are ignored
  bool only_binary_all = false;          ///< `--only-binary :all:`: sdists are ignored
  std::vector<std::string> only_binary;  ///< normalized names whose sdists are ignored
};

/// uv's `--exclude-newer` and `--exclude-newer-package`: a file uploaded at or after its
/// project's cutoff is not a candidate, nor, while a cutoff applies, a file whose page gives no
/// upload time (PEP 700; HTML pages never do), as uv does; a version left with no file is
/// gone, as if the index did not list it. Times are microseconds since the Unix epoch, UTC
/// (`index::dist_file::upload_time`).
struct PYRESOLVE_API upload_cutoff {
  std::optional<std::int64_t> global;  ///< for every project without its own
  /// Per-project cutoffs (PEP 503-normalized names), overriding `global`; the last one given
  /// for a name wins.
  std::vector<std::pair<std::string, std::int64_t>> packages;

  /// The cutoff of `normalized_name`, if any.
  [[nodiscard]] std::optional<std::int64_t> for_project(std::string_view normalized_name) const noexcept {
    for (auto it = packages.rbegin(); it != packages.rend(); ++it)
      if (it->first == normalized_name) return it->second;
    return global;
  }
  /// Whether a file uploaded at `upload_time` is past `cutoff`.
  [[nodiscard]] static bool excludes(std::int64_t cutoff, std::int64_t upload_time) noexcept {
    return upload_time == index::no_upload_time || upload_time >= cutoff;
  }
};

/// How an `index_provider` reads and filters.
struct PYRESOLVE_API index_provider_options {
  /// Wheel tags and Requires-Python are checked against it. Empty (the default): CPython 3.11
  /// on x86_64 manylinux, `target_environment::default_target()`, built only when needed.
  packaging::target_environment environment;
  binary_policy binaries;
  upload_cutoff exclude_newer;  ///< none by default
  /// For a universal resolution: every wheel counts as compatible (the answer serves every
  /// platform), every version passes `requires_python_ok`, and each candidate carries the
  /// Requires-Python of the file its metadata comes from, for the solver to check per fork.
  bool universal = false;
  /// How Requires-Python is read against the target: uv's reading (lower bounds) by default.
  python_bounds requires_python = python_bounds::lower_only;
  /// oneTBB workers that load and parse (the solver thread helps too); 0: one per core.
  unsigned threads = 0;
  /// Most threads that run the loads the cache cannot answer, blocking on HTTP (one request
  /// each in flight); started one by one as such loads come, so a warm run starts none.
  /// 0 counts as 1.
  unsigned io_threads = 32;
  /// Where candidate lists, per-version facts and the load states (and their maps) live;
  /// freed when the provider is. Loads allocate from it on oneTBB workers and the solver
  /// thread frees, so it must be thread-safe (every `allocator::make_resource` strategy is).
  std::pmr::memory_resource* memory = support::default_resource();
  /// Unreadable projects (warning) and unusable versions (debug); called on the solver thread.
  log_sink log;
};

/// What a run cost, for `-v` and the benchmarks.
struct PYRESOLVE_API index_provider_stats {
  std::uint64_t projects = 0;         ///< version maps loaded
  std::uint64_t metadata = 0;         ///< metadata files loaded
  std::uint64_t metadata_errors = 0;  ///< metadata loads that failed (fetch or parse)
  std::uint64_t prefetched = 0;       ///< loads started ahead of the solver's request
  std::uint64_t solver_waits = 0;     ///< requests the solver had to wait for
  /// Loads the solver ran itself because no worker had started them (their HTTP waits block
  /// the solver thread, which has nothing else to do then).
  std::uint64_t solver_loads = 0;
  /// Loads a worker's task could not answer from the cache and handed to the I/O threads.
  std::uint64_t io_loads = 0;
  std::uint64_t io_threads = 0;  ///< I/O threads started

  std::chrono::nanoseconds load_time{0};  ///< summed over workers
  std::chrono::nanoseconds wait_time{0};  ///< solver thread blocked or helping
};

/// Runs oneTBB's one-time process start-up now, on the calling thread, instead of in the first
/// `index_provider`: it looks for optional runtimes oneTBB can use along the whole library
/// path (`libirml.so.1`, which no Debian package ships, costs about 77 failed lookups; an
/// OpenMP runtime is looked up too) and sets up its allocator and thread pool, on the one
/// thread a warm resolve depends on. A program with a thread to spare at start-up calls it
/// there (the `resolve` command does, on the heap tuning's helper thread). Optional; never throws.
PYRESOLVE_API void warm_up_task_scheduler() noexcept;

/// Serves the solver from a `cache::cached_index`. Loads run on oneTBB workers, each at most
/// once even when requested again while in flight; a worker answers from the cache only and
/// hands a load that needs the network to the provider's I/O threads. The solver thread waits
/// only for what it needs now, running it itself when nobody has started it yet.
class PYRESOLVE_API index_provider final : public provider {
 public:
  index_provider(cache::cached_index& index, index_provider_options options);
  ~index_provider() override;
  index_provider(const index_provider&) = delete;
  index_provider& operator=(const index_provider&) = delete;

  [[nodiscard]] result<std::span<const candidate>> versions(std::string_view name) override;
  /// `errc::invalid_metadata` or `errc::not_found` when the version is unusable (its metadata
  /// is invalid or for another project or version, no file fits the target);
  /// `errc::io_error` when its metadata could not be read (not in the cache offline, a
  /// corrupt entry offline, a network or file error): no verdict on the version, so an
  /// answer found without it may not be the right one, and a caller should not trust it.
  [[nodiscard]] result<std::span<const packaging::requirement>> dependencies(
      std::string_view name, const packaging::version& version) override;
  /// Loads (and prefetches) read only these: the requirements that need an extra stay
  /// undecoded in the cache entry until an extra of that version is asked for.
  [[nodiscard]] result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) override;
  void prefetch(std::string_view name) override;
  /// Several solver threads may ask at once (the forks of a universal resolution): each load
  /// still runs once, and whoever asks for it while it runs waits for it.
  [[nodiscard]] bool concurrent() const noexcept override { return true; }

  /// The files of one resolved version (for `--generate-hashes`, pylock.toml and reports);
  /// nullptr when the project or version was never loaded.
  [[nodiscard]] const index::version_entry* files(std::string_view name,
                                                  const packaging::version& version) const;
  /// The index URL a project was read from (uv's first-index rule), empty when not loaded.
  [[nodiscard]] std::string index_url(std::string_view name) const;
  /// The index URL one version was read from: under `index::index_strategy`'s unsafe modes, the
  /// first index that lists that version.
  [[nodiscard]] std::string index_url(std::string_view name, const packaging::version& version) const;

  [[nodiscard]] index_provider_stats stats() const;

  /// Ends the provider's work, as its destructor does first: loads a worker is running are
  /// waited for, and a load nobody started runs only when it would add to the cache. Nothing
  /// is freed, so a program about to exit can skip the destructor's teardown. Afterwards
  /// only `stats`, `files`, `index_url` and the destructor may be called.
  void settle();

  struct impl;  ///< Implementation detail.

 private:
  result<std::span<const packaging::requirement>> requirements_of(std::string_view name,
                                                                  const packaging::version& version,
                                                                  cache::metadata_scope scope);
  std::unique_ptr<impl> m_impl;
};

}  // namespace pyresolve::resolver
