#pragma once
// The `resolve` program's process-level measures: each reaches into glibc, the loader or the
// kernel to save a part of a run of a few milliseconds, so each lives here, one file each,
// built only with the PYRESOLVE_PROCESS_TRICKS option (on by default, off in sanitized
// builds, whose runtimes own malloc and the threads' stacks). cli/README.md, "Process-level
// measures", lists what each saves and the command that measures it.
//
//   main_thread_stack.cpp      pthread_getattr_np for the main thread without /proc/self/maps
//   main_heap_huge_pages.cpp   the main heap's growth area advised for transparent huge pages
//   thread_heap_huge_pages.cpp a glibc arena made and advised ahead for the first worker
//   start_up_helper.cpp        a short-lived thread doing that, then oneTBB's start-up

#include <cstdint>
#include <functional>

namespace pyresolve::cli::tool {

/// A range advised `MADV_HUGEPAGE`, 2 MiB-aligned; both 0 when none was.
struct huge_range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

/// The kernel's huge page size when it may back an madvised range with one, else 0.
[[nodiscard]] std::uintptr_t transparent_huge_page_size() noexcept;

/// Advises the growth area of glibc's main heap (the main thread's) for transparent huge
/// pages. Call once, first thing, after `allocator::tune_glibc_heap_for_short_run` applied
/// its 64 MiB top pad. A 2 MiB range can only be backed by a huge page if none of its pages
/// is mapped yet: a filler block, never freed, takes the heap up to one page short of a
/// huge-page boundary, so what malloc hands out after it lies in untouched, advised memory.
/// Returns the range advised; none when THP is `never` or the heap could not grow.
huge_range advise_main_heap_huge_pages() noexcept;

/// On the calling thread, a fresh one: gives it a glibc arena and advises that arena's heap
/// for huge pages, so that the next thread the process starts (glibc hands it the arena this
/// thread leaves) allocates from huge pages. Reads glibc's chunk header (the NON_MAIN_ARENA
/// bit) to check the layout; anything unexpected: nothing advised, none returned.
huge_range advise_this_thread_heap_huge_pages() noexcept;

/// Starts the short-lived helper thread: `advise_this_thread_heap_huge_pages`, then
/// `meanwhile` (oneTBB's one-time start-up for `resolve`), overlapping the main thread's
/// start. Without transparent huge pages or a thread to spare it does nothing.
void start_up_helper(std::function<void()> meanwhile) noexcept;

/// Waits for the helper (before the process starts threads of its own: the next thread must
/// find the arena it leaves) and returns the range it advised. At once when there is none.
huge_range join_start_up_helper() noexcept;

/// The main thread's stack as glibc's `pthread_getattr_np` counts it, from the kernel's layout
/// (main_thread_stack.cpp). False when the limit is unlimited or the layout is not the one
/// expected.
bool main_thread_stack(std::uintptr_t& top, std::uintptr_t& size) noexcept;

}  // namespace pyresolve::cli::tool
