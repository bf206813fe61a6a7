// counting_resource's numbers on known patterns, the arena's release, and which allocator
// serves malloc in this test binary.

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace alloc = pyresolve::allocator;

TEST_CASE("counting_resource: exact counts on a known single-thread pattern") {
  alloc::counting_resource counting(std::pmr::new_delete_resource());
  void* a = counting.allocate(100, 8);
  void* b = counting.allocate(200, 64);
  CHECK(reinterpret_cast<std::uintptr_t>(b) % 64 == 0);  // NOLINT
  counting.deallocate(a, 100, 8);
  void* c = counting.allocate(50, 1);
  auto s = counting.stats();
  CHECK(s.allocations == 3);
  CHECK(s.frees == 1);
  CHECK(s.bytes_allocated == 350);
  CHECK(s.live_bytes == 250);
  CHECK(s.peak_live_bytes == 300);
  CHECK(s.cross_thread_frees == 0);
  counting.deallocate(b, 200, 64);
  counting.deallocate(c, 50, 1);
  s = counting.stats();
  CHECK(s.frees == 3);
  CHECK(s.live_bytes == 0);
  CHECK(s.peak_live_bytes == 300);
}

TEST_CASE("counting_resource: frees on another thread are counted, same-thread ones are not") {
  alloc::counting_resource counting(std::pmr::new_delete_resource());
  std::vector<void*> blocks;
  for (int i = 0; i < 10; ++i) blocks.push_back(counting.allocate(32, 16));
  // Three freed here, seven on another thread: exactly seven cross-thread frees.
  for (int i = 0; i < 3; ++i) counting.deallocate(blocks[static_cast<std::size_t>(i)], 32, 16);
  std::thread([&] {
    for (std::size_t i = 3; i < 10; ++i) counting.deallocate(blocks[i], 32, 16);
  }).join();
  const auto s = counting.stats();
  CHECK(s.allocations == 10);
  CHECK(s.frees == 10);
  CHECK(s.cross_thread_frees == 7);
  CHECK(s.live_bytes == 0);
  CHECK(s.peak_live_bytes == 320);
}

TEST_CASE("counting_resource: counts from many short-lived threads add up (slot reuse)") {
  alloc::counting_resource counting(std::pmr::new_delete_resource());
  for (int round = 0; round < 100; ++round) {  // more threads over time than there are slots
    std::thread([&] {
      void* p = counting.allocate(10, 8);
      counting.deallocate(p, 10, 8);
    }).join();
  }
  const auto s = counting.stats();
  CHECK(s.allocations == 100);
  CHECK(s.frees == 100);
  CHECK(s.cross_thread_frees == 0);
}

TEST_CASE("arena: nothing is returned before the end, everything at the end") {
  alloc::counting_resource upstream(std::pmr::new_delete_resource());
  {
    auto arena = alloc::make_arena_resource(&upstream);
    std::pmr::memory_resource* r = arena.get();
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([r] {
        std::pmr::vector<std::pmr::string> names(r);
        for (int i = 0; i < 5000; ++i)
          names.emplace_back("package-name-long-enough-to-allocate-" + std::to_string(i));
      });
    }
    for (auto& t : threads) t.join();
    const auto during = upstream.stats();
    CHECK(during.allocations > 0);
    CHECK(during.frees == 0);  // deallocate is a no-op; chunks stay until the end
    CHECK(during.live_bytes > 5000 * 40);
  }
  const auto after = upstream.stats();
  CHECK(after.frees == after.allocations);
  CHECK(after.live_bytes == 0);
}

TEST_CASE("process_allocator_name: this test binary uses the system heap") {
  const std::string name = alloc::process_allocator_name();
#if defined(__SANITIZE_ADDRESS__)
  CHECK(name == "asan");
#elif defined(__SANITIZE_THREAD__)
  CHECK(name == "tsan");
#else
  CHECK(name == "glibc");
#endif
}

TEST_CASE("counting_resource: peak_tracking::off keeps exact counts and live bytes, no peak") {
  alloc::counting_resource counting(std::pmr::new_delete_resource(), alloc::peak_tracking::off);
  void* a = counting.allocate(100, 8);
  void* b = counting.allocate(200, 64);
  std::thread([&] { counting.deallocate(a, 100, 8); }).join();
  auto s = counting.stats();
  CHECK(s.allocations == 2);
  CHECK(s.frees == 1);
  CHECK(s.cross_thread_frees == 1);
  CHECK(s.live_bytes == 200);
  CHECK(s.peak_live_bytes == 0);
  counting.deallocate(b, 200, 64);
  CHECK(counting.stats().live_bytes == 0);
}
