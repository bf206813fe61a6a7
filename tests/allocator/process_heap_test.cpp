// tune_process_heap_for_short_run: applied only over glibc's malloc, idempotent, and the ranges
// it reports are really advised for huge pages and really where the main thread's heap grows
// and where the next thread allocates.

#include <doctest/doctest.h>

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pyresolve/allocator/process_heap.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace alloc = pyresolve::allocator;

namespace {

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The VmFlags line of the mapping in /proc/self/smaps that contains `address`.
std::string vm_flags_at(std::uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0;
    std::uintptr_t hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= address && address < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return {};
}

}  // namespace

// How many arenas glibc's malloc has made so far (malloc_info lists one <heap> each).
int glibc_arenas() {
  char* text = nullptr;
  std::size_t size = 0;
  FILE* out = ::open_memstream(&text, &size);
  if (out == nullptr) return -1;
  ::malloc_info(0, out);
  std::fclose(out);
  int heaps = 0;
  for (std::string_view rest(text, size); rest.find("<heap nr=") != std::string_view::npos; ++heaps)
    rest.remove_prefix(rest.find("<heap nr=") + 1);
  std::free(text);
  return heaps;
}

TEST_CASE("tune_process_heap_for_short_run: glibc only, idempotent, advised where the heap grows") {
  // ctest runs this case in a process of its own; run with the other cases, threads of theirs
  // may have left arenas, one of which the tuning's thread is then given (and declines).
  const bool only_main_arena = glibc_arenas() == 1;
  const auto first = alloc::tune_process_heap_for_short_run();
  const auto again = alloc::tune_process_heap_for_short_run();
  CHECK(again.applied == first.applied);
  CHECK(again.huge_begin == first.huge_begin);
  CHECK(again.huge_end == first.huge_end);

  if (alloc::process_allocator_name() != "glibc" || alloc::malloc_set_by_environment()) {
    // Sanitizer builds (their runtime is malloc), or settings the user made: left alone.
    CHECK_FALSE(first.applied);
    CHECK(first.huge_begin == 0);
    return;
  }
  REQUIRE(first.applied);
  const bool thp =
      read_first_line("/sys/kernel/mm/transparent_hugepage/enabled").find("[never]") == std::string::npos;
  if (!thp) {
    CHECK(first.huge_begin == 0);
    return;
  }
  REQUIRE(first.huge_begin != 0);
  CHECK(first.huge_begin % (2u << 20) == 0);
  CHECK(first.huge_end % (2u << 20) == 0);
  CHECK(first.huge_end - first.huge_begin >= (60u << 20));  // about the 64 MiB top pad
  // The kernel has the range flagged: "hg" in the mapping's VmFlags.
  const std::string flags = vm_flags_at(first.huge_begin);
  INFO("VmFlags: " << flags);
  CHECK(flags.find(" hg") != std::string::npos);

  // The main thread's new heap lies in the advised range: free chunks left below it by earlier
  // allocations add up to less than one huge page plus what was free before (the filler takes
  // the unaligned head), so of 8 MiB of small blocks most must land inside. A 4 MiB block
  // lands inside too: without the raised mmap threshold it would get a mapping of its own.
  std::vector<void*> blocks;
  constexpr int small_blocks = 2048;
  for (int i = 0; i < small_blocks; ++i) blocks.push_back(std::malloc(4096));
  blocks.push_back(std::malloc(4u << 20));
  int inside = 0;
  for (void* b : blocks) {
    const auto at = reinterpret_cast<std::uintptr_t>(b);  // NOLINT
    inside += first.huge_begin <= at && at < first.huge_end ? 1 : 0;
  }
  CHECK(inside >= small_blocks * 3 / 4);
  const auto big = reinterpret_cast<std::uintptr_t>(blocks.back());  // NOLINT
  CHECK((first.huge_begin <= big && big < first.huge_end));
  for (void* b : blocks) std::free(b);

  // The next thread to start allocates from the heap advised for it. (This test's own threads
  // start after the tuning, so none of them took that heap before.)
  if (!only_main_arena && first.thread_huge_begin == 0) {
    MESSAGE("other threads ran first and left arenas: the tuning declined one, as it should");
    return;
  }
  REQUIRE(first.thread_huge_begin != 0);
  CHECK(first.thread_huge_begin % (2u << 20) == 0);
  CHECK(first.thread_huge_end - first.thread_huge_begin == (62u << 20));
  const std::string thread_flags = vm_flags_at(first.thread_huge_begin);
  INFO("thread heap VmFlags: " << thread_flags);
  CHECK(thread_flags.find(" hg") != std::string::npos);
  int in_thread_heap = 0;
  std::thread([&] {
    std::vector<void*> mine;
    for (int i = 0; i < 256; ++i) mine.push_back(std::malloc(1024));
    for (void* b : mine) {
      const auto at = reinterpret_cast<std::uintptr_t>(b);  // NOLINT
      in_thread_heap += first.thread_huge_begin <= at && at < first.thread_huge_end ? 1 : 0;
    }
    for (void* b : mine) std::free(b);
  }).join();
  // All but the few that reuse what the preparing thread freed below the advised range (its
  // probe, its per-thread cache) when it exited.
  CHECK(in_thread_heap >= 240);
}

TEST_CASE(
    "tune_process_heap_for_short_run: `meanwhile` runs on the helper thread, and the join waits for it") {
  const bool only_main_arena = glibc_arenas() == 1;
  std::atomic<bool> ran{false};
  std::thread::id ran_on;
  const auto main_thread = std::this_thread::get_id();
  const auto first = alloc::tune_process_heap_for_short_run([&] {
    ran_on = std::this_thread::get_id();
    // Long enough that a tuning which did not wait for us would be caught below.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ran = true;
  });
  const auto joined = alloc::join_short_run_tuning();
  CHECK(joined.applied == first.applied);
  CHECK(joined.huge_begin == first.huge_begin);
  CHECK(joined.huge_end == first.huge_end);
  const bool thp =
      read_first_line("/sys/kernel/mm/transparent_hugepage/enabled").find("[never]") == std::string::npos;
  if (!first.applied || !thp) {
    // No helper thread was started (sanitizer runtimes, user settings, no THP): no `meanwhile`.
    CHECK_FALSE(ran);
    return;
  }
  CHECK(ran);
  CHECK(ran_on != main_thread);
  CHECK(first.thread_huge_begin == 0);  // not known before the join
  if (only_main_arena) {
    CHECK(joined.thread_huge_begin != 0);
    CHECK(joined.thread_huge_end - joined.thread_huge_begin == (62u << 20));
  }
  const auto again = alloc::join_short_run_tuning();
  CHECK(again.thread_huge_begin == joined.thread_huge_begin);
}

TEST_CASE("malloc_set_by_environment: glibc's malloc tunables and variables, nothing else") {
  // Restored at the end: other cases in this process read the same environment.
  const char* saved = std::getenv("GLIBC_TUNABLES");
  const std::string saved_tunables = saved != nullptr ? saved : "";
  ::unsetenv("GLIBC_TUNABLES");
  for (const char* name :
       {"MALLOC_ARENA_MAX", "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"})
    REQUIRE(std::getenv(name) == nullptr);
  CHECK_FALSE(alloc::malloc_set_by_environment());
  ::setenv("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=4096", 1);
  CHECK_FALSE(alloc::malloc_set_by_environment());
  ::setenv("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=4096:glibc.malloc.hugetlb=1", 1);
  CHECK(alloc::malloc_set_by_environment());
  ::unsetenv("GLIBC_TUNABLES");
  ::setenv("MALLOC_ARENA_MAX", "2", 1);
  CHECK(alloc::malloc_set_by_environment());
  ::unsetenv("MALLOC_ARENA_MAX");
  CHECK_FALSE(alloc::malloc_set_by_environment());
  if (saved != nullptr) ::setenv("GLIBC_TUNABLES", saved_tunables.c_str(), 1);
}
