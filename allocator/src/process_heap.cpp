#include "pyresolve/allocator/process_heap.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

namespace {

constexpr int top_pad = 64 << 20;
constexpr int mmap_threshold = 32 << 20;  // glibc's own ceiling for its dynamic threshold
constexpr int trim_threshold = 1 << 30;

// The first line of a small text file under /sys, empty when unreadable (plain reads: this
// runs before anything else in the process, and a stream would set up locales first).
std::string first_line(const char* path) {
  std::string out;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[256];
  const ::ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n > 0) out.assign(buffer, static_cast<std::size_t>(n));
  return out.substr(0, out.find('\n'));
}

// The kernel's huge page size when it may back an madvised range with one, else 0.
std::uintptr_t transparent_huge_page_size() {
  const std::string modes = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
  if (modes.empty() || modes.find("[never]") != std::string::npos) return 0;
  const std::string size_text = first_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  std::uintptr_t size = 0;
  const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (ec != std::errc{} || size == 0 || (size & (size - 1)) != 0) return 0;
  return size;
}

// The main arena, which the calling (main) thread allocates from. A 2 MiB range can only be
// backed by a huge page if none of its pages is mapped yet, so the advice must precede the
// first write there. A filler block, never freed, takes the heap up to one page short of a
// huge-page boundary; allocating it also grows the heap by the top pad, and everything malloc
// hands out after it lies in untouched, advisable memory. The filler is carved from the free
// top of the heap (`keepcost`), so it must be larger than that top to reach past the break.
void advise_main_heap(std::uintptr_t huge, std::uintptr_t page, process_heap_tuning& done) {
  const auto brk_now = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t top_free = ::mallinfo2().keepcost;
  const std::uintptr_t begin = (brk_now + 2 * page + huge - 1) & ~(huge - 1);
  const std::size_t filler_size = begin - brk_now - page + top_free;
  static void* volatile filler = nullptr;  // kept so the block is never given back
  filler = std::malloc(filler_size);
  const auto brk_after = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t end = brk_after & ~(huge - 1);
  const auto filler_at = reinterpret_cast<std::uintptr_t>(filler);  // NOLINT
  // Advise only when the filler came from the top and the heap grew past `begin`: not when
  // brk was refused (the heap then continues in mmap'ed memory) or a free block served it.
  if (filler == nullptr || brk_after <= brk_now || end <= begin || filler_at + filler_size > begin) return;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0) {  // NOLINT
    done.huge_begin = begin;
    done.huge_end = end;
  }
}

// glibc's thread arenas live in heaps of HEAP_MAX_SIZE, aligned to it: 64 MiB on 64-bit
// (twice the largest mmap threshold). With the 64 MiB top pad a new arena's heap is writable
// whole from the start, so it can be advised once, before use. A thread's first malloc gives
// it an arena, and takes one left by an exited thread before it creates one. So a short-lived
// thread here creates an arena, advises its heap and exits, and the process's next thread
// (the resolver's first worker) allocates from huge pages too. Checked, not assumed: the
// block must carry glibc's NON_MAIN_ARENA bit and the whole aligned range must be mapped
// (madvise fails on a hole), else nothing is advised. Runs on that thread.
void advise_this_thread_heap(std::uintptr_t huge, std::uintptr_t page, std::uintptr_t& begin,
                             std::uintptr_t& end) {
  constexpr std::uintptr_t heap_max = 64u << 20;
  constexpr std::uintptr_t non_main_arena = 4;  // the flag in a chunk's size word
  void* probe = std::malloc(64);
  if (probe == nullptr) return;
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
      begin = base + huge;
      end = base + heap_max;
    }
    std::free(next);
  }
  std::free(probe);
}

/// The tuning's short-lived thread and what it advised (written by it, read after the join).
/// Joined by `join_short_run_tuning`, else when the program's statics are destroyed.
struct helper_thread {
  std::mutex mutex;
  std::thread thread;
  std::uintptr_t huge_begin = 0;
  std::uintptr_t huge_end = 0;
  void join() {
    std::lock_guard lock(mutex);
    if (thread.joinable()) thread.join();
  }
  ~helper_thread() { join(); }
};
helper_thread helper;
process_heap_tuning tuned;  // the first call's result, thread part filled after the join

process_heap_tuning tune(std::function<void()> meanwhile) {
  process_heap_tuning done;
  if (malloc_set_by_environment() || process_allocator_name() != "glibc") return done;
  done.applied = true;
  ::mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  ::mallopt(M_TRIM_THRESHOLD, trim_threshold);
  ::mallopt(M_TOP_PAD, top_pad);

  const std::uintptr_t huge = transparent_huge_page_size();
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (huge == 0 || page == 0) return done;
  advise_main_heap(huge, page, done);
  const bool later = static_cast<bool>(meanwhile);
  try {
    helper.thread = std::thread([huge, page, task = std::move(meanwhile)] {
      advise_this_thread_heap(huge, page, helper.huge_begin, helper.huge_end);
      if (task) {
        try {
          task();
        } catch (...) {  // optional start-up work: whoever needs it later does it then
        }
      }
    });
  } catch (const std::system_error&) {  // no thread to spare: the next thread's heap stays as it is
    return done;
  }
  if (!later) {
    helper.join();
    done.thread_huge_begin = helper.huge_begin;
    done.thread_huge_end = helper.huge_end;
  }
  return done;
}

}  // namespace

bool malloc_set_by_environment() noexcept {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos)
    return true;
  for (const char* name :
       {"MALLOC_ARENA_MAX", "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

process_heap_tuning tune_process_heap_for_short_run(std::function<void()> meanwhile) noexcept {
  try {
    static const process_heap_tuning first = tuned = tune(std::move(meanwhile));
    return first;
  } catch (...) {  // reading /sys or naming the allocator ran out of memory: leave the heap be
    return {};
  }
}

process_heap_tuning join_short_run_tuning() noexcept {
  helper.join();
  process_heap_tuning out = tuned;
  out.thread_huge_begin = helper.huge_begin;
  out.thread_huge_end = helper.huge_end;
  return out;
}

}  // namespace pyresolve::allocator
