// bin/resolve's huge-page measures (cli/tool/main_heap_huge_pages.cpp,
// thread_heap_huge_pages.cpp, start_up_helper.cpp), linked into this test when the build has
// the process-level measures: the ranges they report are really advised for huge pages and
// really where the main thread's heap grows and where the next thread allocates. ctest runs
// each case in a process of its own.
#include <doctest/doctest.h>

#if PYRESOLVE_PROCESS_TRICKS
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
#include "tricks.hpp"

namespace alloc = pyresolve::allocator;
namespace tool = pyresolve::cli::tool;

namespace {

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool thp_enabled() {
  return read_first_line("/sys/kernel/mm/transparent_hugepage/enabled").find("[never]") == std::string::npos;
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

/// Whether the huge-page measures apply here: glibc's malloc, tuned, THP not `never`.
bool measures_apply() {
  if (!alloc::tune_glibc_heap_for_short_run()) {
    MESSAGE("malloc is not glibc's, or the environment sets it: resolve takes no measure");
    return false;
  }
  if (!thp_enabled()) {
    CHECK(tool::transparent_huge_page_size() == 0);
    CHECK(tool::advise_main_heap_huge_pages().begin == 0);
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("main heap huge pages: the range advised is where the main thread's heap grows") {
  if (!measures_apply()) return;
  const tool::huge_range main = tool::advise_main_heap_huge_pages();
  REQUIRE(main.begin != 0);
  CHECK(main.begin % (2u << 20) == 0);
  CHECK(main.end % (2u << 20) == 0);
  CHECK(main.end - main.begin >= (60u << 20));  // about the 64 MiB top pad
  // The kernel has the range flagged: "hg" in the mapping's VmFlags.
  const std::string flags = vm_flags_at(main.begin);
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
    inside += main.begin <= at && at < main.end ? 1 : 0;
  }
  CHECK(inside >= small_blocks * 3 / 4);
  const auto big = reinterpret_cast<std::uintptr_t>(blocks.back());  // NOLINT
  CHECK((main.begin <= big && big < main.end));
  for (void* b : blocks) std::free(b);
}

TEST_CASE(
    "start-up helper: runs its task on another thread, advises the next thread's heap, and the join waits") {
  // Run with other cases, threads of theirs may have left arenas, one of which the helper is
  // then given (and declines).
  const bool only_main_arena = glibc_arenas() == 1;
  if (!measures_apply()) return;
  std::atomic<bool> ran{false};
  std::thread::id ran_on;
  const auto main_thread = std::this_thread::get_id();
  tool::start_up_helper([&] {
    ran_on = std::this_thread::get_id();
    // Long enough that a join which did not wait would be caught below.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ran = true;
  });
  const tool::huge_range thread = tool::join_start_up_helper();
  CHECK(ran);
  CHECK(ran_on != main_thread);
  if (!only_main_arena && thread.begin == 0) {
    MESSAGE("other threads ran first and left arenas: the helper declined one, as it should");
    return;
  }
  REQUIRE(thread.begin != 0);
  CHECK(thread.begin % (2u << 20) == 0);
  CHECK(thread.end - thread.begin == (62u << 20));
  const std::string flags = vm_flags_at(thread.begin);
  INFO("thread heap VmFlags: " << flags);
  CHECK(flags.find(" hg") != std::string::npos);
  // The next thread to start allocates from the heap advised for it: all but the few blocks
  // that reuse what the helper freed below the advised range (its probe, its thread cache).
  int in_thread_heap = 0;
  std::thread([&] {
    std::vector<void*> mine;
    for (int i = 0; i < 256; ++i) mine.push_back(std::malloc(1024));
    for (void* b : mine) {
      const auto at = reinterpret_cast<std::uintptr_t>(b);  // NOLINT
      in_thread_heap += thread.begin <= at && at < thread.end ? 1 : 0;
    }
    for (void* b : mine) std::free(b);
  }).join();
  CHECK(in_thread_heap >= 240);
  // Joined again: at once, the same answer.
  CHECK(tool::join_start_up_helper().begin == thread.begin);
}

#endif  // PYRESOLVE_PROCESS_TRICKS
