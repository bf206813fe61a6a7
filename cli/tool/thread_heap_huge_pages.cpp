// A glibc arena made and advised for transparent huge pages ahead of the first worker (see
// tricks.hpp).
//
// glibc's thread arenas live in heaps of HEAP_MAX_SIZE, aligned to it: 64 MiB on 64-bit
// (twice the largest mmap threshold). With the 64 MiB top pad a new arena's heap is writable
// whole from the start, so it can be advised once, before use. A thread's first malloc gives
// it an arena, and takes one left by an exited thread before it creates one. So a short-lived
// thread creates an arena, advises its heap and exits, and the process's next thread (the
// resolver's first worker, which decodes most cache entries) allocates from huge pages too.
// Checked, not assumed: the block must carry glibc's NON_MAIN_ARENA bit and the whole aligned
// range must be mapped (madvise fails on a hole), else nothing is advised.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "tricks.hpp"

namespace pyresolve::cli::tool {

huge_range advise_this_thread_heap_huge_pages() noexcept {
  constexpr std::uintptr_t heap_max = 64u << 20;
  constexpr std::uintptr_t non_main_arena = 4;  // the flag in a chunk's size word
  huge_range done;
  const std::uintptr_t huge = transparent_huge_page_size();
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (huge == 0 || page == 0) return done;
  void* probe = std::malloc(64);
  if (probe == nullptr) return done;
  const auto at = reinterpret_cast<std::uintptr_t>(probe);  // NOLINT
  std::uintptr_t size_word = 0;
  // The chunk header sits just below the block malloc returned: read through the address
  // as a number, which is what it is here (not an element before an array).
  std::memcpy(&size_word, reinterpret_cast<const void*>(at - sizeof size_word), sizeof size_word);  // NOLINT
  const std::uintptr_t base = at & ~(heap_max - 1);
  // The first huge page holds the arena's own header, written already: its rest is taken
  // by a filler, never freed, so the thread's blocks start at the next boundary.
  static void* volatile filler = nullptr;
  if ((size_word & non_main_arena) != 0 && at - base + 2 * page < huge) {
    filler = std::malloc(base + huge - at - 2 * page);
    // A fresh arena serves the next block from its top, right after the filler. An arena an
    // exited thread left (glibc hands those out first) may serve it from anywhere: then its
    // layout is unknown and nothing is advised.
    void* next = std::malloc(64);
    const auto next_at = reinterpret_cast<std::uintptr_t>(next);  // NOLINT
    if (filler != nullptr && next_at >= base + huge - 2 * page && next_at < base + huge &&
        ::madvise(reinterpret_cast<void*>(base + huge), heap_max - huge, MADV_HUGEPAGE) == 0) {  // NOLINT
      done.begin = base + huge;
      done.end = base + heap_max;
    }
    std::free(next);
  }
  std::free(probe);
  return done;
}

}  // namespace pyresolve::cli::tool
