#pragma once
/// @file
/// Each heap's own documented settings for one short, allocation-heavy run, beside the
/// strategies they tune. Only programs that own their process call these (the `resolve`
/// binaries do, first thing in `main`); the library never does.
///
/// | heap      | short-run settings                                                        | how            |
/// |-----------|---------------------------------------------------------------------------|----------------|
/// | glibc     | `M_TOP_PAD` 64 MiB, `M_TRIM_THRESHOLD` 1 GiB, `M_MMAP_THRESHOLD` 32 MiB    | `mallopt` | |
/// mimalloc  | `large_os_pages` 1, `eager_commit_delay` 0, `allow_decommit` 0            | `mi_option_set`|
/// | jemalloc  | `thp:always`, `metadata_thp:auto`, `dirty_decay_ms:-1`, `muzzy_decay_ms:-1`,
/// `background_thread:false` | `malloc_conf` in the executable | | tbbmalloc | `TBBMALLOC_USE_HUGE_PAGES` 1
/// | `scalable_allocation_mode` |
///
/// In every case a setting the user made through the heap's own environment variables wins
/// (`GLIBC_TUNABLES`/`MALLOC_*_`, `MIMALLOC_<OPTION>`, `MALLOC_CONF`, `TBB_MALLOC_USE_HUGE_PAGES`).

#include <string>
#include <string_view>

#include "pyresolve/support/result.hpp"

namespace pyresolve::allocator {

/// Whether a program tunes its heaps for a short run or leaves every heap at its library's
/// defaults.
enum class heap_tuning { library_defaults, short_run };

/// The environment variable that chooses: unset, empty or `short-run` -> `short_run`; `off`
/// -> `library_defaults` (benchmarks compare the two). Anything else is an error naming it.
inline constexpr const char* heap_tuning_variable = "PYRESOLVE_HEAP_TUNING";
[[nodiscard]] result<heap_tuning> heap_tuning_from_environment();
[[nodiscard]] result<heap_tuning> parse_heap_tuning(std::string_view value);

/// Applies the short-run settings of whichever heap serves `malloc` (glibc, mimalloc or
/// tbbmalloc). Returns what it applied, e.g.
/// `"mimalloc: large_os_pages=1 eager_commit_delay=0 allow_decommit=0"`, or an empty string
/// when nothing applied (a sanitizer's heap, or every setting taken by the environment).
/// jemalloc reads its settings before `main` (`jemalloc_short_run_conf`, compiled into the
/// `-jemalloc` programs, then `MALLOC_CONF`): for it the settings in force are returned.
/// Call on the main thread before other threads start. Idempotent; never fails.
[[nodiscard]] std::string tune_process_heap_for_short_run() noexcept;

/// What `tune_process_heap_for_short_run` applied in this process (its return value), empty
/// when it was not called. Changes nothing: for reports such as `resolve -v`.
[[nodiscard]] std::string applied_heap_tuning();

/// The settings jemalloc's whole-process variant starts with (its `malloc_conf`), and the
/// string that restores jemalloc 5.3's defaults for the same keys through `MALLOC_CONF`.
inline constexpr const char* jemalloc_short_run_conf =
    "thp:always,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1,background_thread:false";
inline constexpr const char* jemalloc_default_conf =
    "thp:default,metadata_thp:disabled,dirty_decay_ms:10000,muzzy_decay_ms:0,background_thread:false";

/// What a jemalloc serving `malloc` runs with, read back through `mallctl` (`opt.thp`,
/// `opt.dirty_decay_ms`, ...), e.g. `"thp=always dirty_decay_ms=-1 ..."`; empty when
/// jemalloc does not serve `malloc`. For tests and `-v`.
[[nodiscard]] std::string jemalloc_settings();

}  // namespace pyresolve::allocator
