#pragma once
/// @file
/// glibc's documented malloc parameters, set for a command that runs once and exits.
///
/// Only programs that own their process call this (the `resolve` binary does, first thing in
/// `main`); the library never does, so embedders keep the heap exactly as they set it up.
/// The huge-page advice `resolve` adds on top lives with its other process-level measures in
/// `cli/tool/` (cli/README.md, "Process-level measures").

namespace pyresolve::allocator {

/// Sets glibc's `malloc` up for one short run, on the main thread before other threads start,
/// through `mallopt` only:
/// - the heap grows 64 MiB at a time (`M_TOP_PAD`) and is never trimmed (`M_TRIM_THRESHOLD`):
///   no `brk` per few pages, no memory given back only to be faulted in again;
/// - blocks up to 32 MiB come from the heap rather than from their own `mmap`
///   (`M_MMAP_THRESHOLD`).
///
/// Returns whether it applied them: not when `malloc` is not glibc's (mimalloc, jemalloc, a
/// sanitizer runtime), nor when the environment sets glibc's malloc parameters itself
/// (`malloc_set_by_environment`): what a user asked for wins. Idempotent. Never fails: a
/// setting the C library refuses is simply not applied.
[[nodiscard]] bool tune_glibc_heap_for_short_run() noexcept;

/// The `M_TOP_PAD` the tuning sets: how far the heap grows at a time, once tuned.
inline constexpr int short_run_top_pad = 64 << 20;

/// Whether the environment sets glibc's malloc parameters: a `glibc.malloc.` entry in
/// `GLIBC_TUNABLES`, or one of the older `MALLOC_ARENA_MAX`, `MALLOC_TOP_PAD_`,
/// `MALLOC_TRIM_THRESHOLD_`, `MALLOC_MMAP_THRESHOLD_` variables.
[[nodiscard]] bool malloc_set_by_environment() noexcept;

}  // namespace pyresolve::allocator
