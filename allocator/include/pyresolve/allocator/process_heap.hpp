#pragma once
/// @file
/// Tuning of the process heap (glibc's `malloc`) for a command that runs once and exits.
///
/// Only programs that own their process call this (the `resolve` binary does, first thing in
/// `main`); the library never does, so embedders keep the heap exactly as they set it up.

#include <cstdint>
#include <functional>

namespace pyresolve::allocator {

/// What `tune_process_heap_for_short_run` did.
struct process_heap_tuning {
  /// False when `malloc` is not glibc's (mimalloc, jemalloc, a sanitizer runtime): the
  /// settings below are glibc's, so nothing was changed.
  bool applied = false;
  /// The part of the main heap advised for transparent huge pages, `[huge_begin, huge_end)`,
  /// 2 MiB-aligned; both 0 when none was (THP set to `never`, or the heap could not grow).
  std::uintptr_t huge_begin = 0;
  std::uintptr_t huge_end = 0;
  /// The same for the heap the next thread to start will allocate from (see below); both 0
  /// when glibc's arena layout was not the one expected and nothing was advised.
  std::uintptr_t thread_huge_begin = 0;
  std::uintptr_t thread_huge_end = 0;
};

/// Sets glibc's `malloc` up for one short run, on the main thread before other threads start.
///
/// A warm resolve of a large input touches tens of MiB of fresh heap, and on a virtual machine
/// each first touch of a 4 KiB page is a trap, thousands of them per run (figures in
/// allocator/README.md). So:
/// - the heap grows 64 MiB at a time and is never trimmed (no `brk` per few pages, no memory
///   given back only to be faulted in again);
/// - blocks up to 32 MiB come from the heap rather than from their own `mmap`;
/// - the main heap's growth area is advised `MADV_HUGEPAGE`, so the solver thread's allocations
///   fault in 2 MiB at a time when the kernel allows transparent huge pages;
/// - so is the heap of one more glibc arena, made ready for the next thread that starts (the
///   resolver's first worker, which decodes most cache entries): a short-lived thread creates
///   the arena and exits, and glibc gives a new thread an arena left free before it makes one.
///
/// Nothing is changed either when the environment sets glibc's malloc parameters itself
/// (`malloc_set_by_environment`): what a user asked for wins.
///
/// `meanwhile`, when given, runs on that short-lived thread once its heap work is done:
/// start-up work of the program's own, which then overlaps the main thread's instead of
/// following it (`resolve` runs oneTBB's one-time start-up there; given a thread of its own,
/// the same work measured slower, as creating a thread costs the main thread more than it
/// saves). The thread is then not waited for: `join_short_run_tuning` must be called before
/// the process starts threads of its own (the next thread must find the arena the helper
/// leaves). `meanwhile` runs only when the thread starts (the tuning applied, THP available);
/// what it throws is dropped.
///
/// Virtual address space is reserved generously; resident memory grows by at most one huge
/// page per 2 MiB actually used. Idempotent: later calls return the first call's result.
/// Never fails: a setting the C library or kernel refuses is simply not applied.
[[nodiscard]] process_heap_tuning tune_process_heap_for_short_run(
    std::function<void()> meanwhile = {}) noexcept;

/// Waits for the tuning's thread (and its `meanwhile`) to end, and returns the whole result,
/// `thread_huge_*` included (which `tune_process_heap_for_short_run` reports only when it
/// had no `meanwhile`, as it then waits itself). Without a tuning, or called again, it returns
/// at once.
process_heap_tuning join_short_run_tuning() noexcept;

/// Whether the environment sets glibc's malloc parameters: a `glibc.malloc.` entry in
/// `GLIBC_TUNABLES`, or one of the older `MALLOC_ARENA_MAX`, `MALLOC_TOP_PAD_`,
/// `MALLOC_TRIM_THRESHOLD_`, `MALLOC_MMAP_THRESHOLD_` variables.
[[nodiscard]] bool malloc_set_by_environment() noexcept;

}  // namespace pyresolve::allocator
