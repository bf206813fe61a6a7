#include "pyresolve/allocator/process_heap.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

namespace {

constexpr int top_pad = 64 << 20;
constexpr int mmap_threshold = 32 << 20;  // glibc's own ceiling for its dynamic threshold
constexpr int trim_threshold = 1 << 30;

// The kernel's huge page size when it may back an madvised range with one, else 0.
std::uintptr_t transparent_huge_page_size() {
  std::ifstream enabled("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  if (!std::getline(enabled, modes) || modes.find("[never]") != std::string::npos) return 0;
  std::ifstream size_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  std::uintptr_t size = 0;
  if (!(size_file >> size) || size == 0 || (size & (size - 1)) != 0) return 0;
  return size;
}

process_heap_tuning tune() {
  process_heap_tuning done;
  if (process_allocator_name() != "glibc") return done;
  done.applied = true;
  ::mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  ::mallopt(M_TRIM_THRESHOLD, trim_threshold);
  ::mallopt(M_TOP_PAD, top_pad);

  const std::uintptr_t huge = transparent_huge_page_size();
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (huge == 0 || page == 0) return done;
  // A 2 MiB range can only be backed by a huge page if none of its pages is mapped yet, so
  // the advice must precede the first write there. A filler block, never freed, takes the
  // heap up to one page short of a huge-page boundary; allocating it also grows the heap by
  // the top pad, and everything malloc hands out after it lies in untouched, advisable memory.
  const auto brk_now = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t begin = (brk_now + 2 * page + huge - 1) & ~(huge - 1);
  static void* volatile filler = nullptr;  // kept so the block is never given back
  filler = std::malloc(begin - brk_now - page);
  const auto brk_after = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t end = brk_after & ~(huge - 1);
  // The heap may have moved to mmap'ed memory (brk refused): then there is nothing to advise.
  if (filler == nullptr || brk_after <= brk_now || end <= begin) return done;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0) {  // NOLINT
    done.huge_begin = begin;
    done.huge_end = end;
  }
  return done;
}

}  // namespace

process_heap_tuning tune_process_heap_for_short_run() noexcept {
  try {
    static const process_heap_tuning first = tune();
    return first;
  } catch (...) {  // reading /sys or naming the allocator ran out of memory: leave the heap be
    return {};
  }
}

}  // namespace pyresolve::allocator
