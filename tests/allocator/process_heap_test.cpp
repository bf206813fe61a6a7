// tune_glibc_heap_for_short_run: applied only over glibc's malloc and when the environment does
// not set it, idempotent, with the documented effects of its mallopt settings.

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

TEST_CASE("tune_glibc_heap_for_short_run: glibc only, idempotent, and blocks up to 32 MiB stay in the heap") {
  const bool first = alloc::tune_glibc_heap_for_short_run();
  CHECK(alloc::tune_glibc_heap_for_short_run() == first);
  if (alloc::process_allocator_name() != "glibc" || alloc::malloc_set_by_environment()) {
    // Sanitizer builds (their runtime is malloc), or settings the user made: left alone.
    CHECK_FALSE(first);
    return;
  }
  REQUIRE(first);
  // glibc's default threshold would give a 4 MiB block a mapping of its own (hblks counts
  // them); tuned, it comes from the heap. With the 64 MiB top pad the heap then has room.
  const auto before = ::mallinfo2();
  void* big = std::malloc(4u << 20);
  REQUIRE(big != nullptr);
  const auto during = ::mallinfo2();
  CHECK(during.hblks == before.hblks);
  CHECK(during.arena >= before.arena);
  std::free(big);
  // Never trimmed: what the heap holds stays (no memory given back only to be faulted again).
  CHECK(::mallinfo2().arena == during.arena);
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
