// Every strategy: sizes, alignments, pmr containers, frees on another thread.

#include <doctest/doctest.h>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace alloc = pyresolve::allocator;

namespace {

alloc::resource_handle make(const std::string& name) {
  auto handle = alloc::make_resource(name);
  REQUIRE_MESSAGE(handle.has_value(), name << ": " << (handle ? "" : handle.error().to_string()));
  return std::move(handle).value();
}

// A block handed from the thread that allocated it to the thread that frees it.
struct block {
  void* p;
  std::size_t size;
  std::size_t alignment;
};

// A blocking queue, so the producer and consumer overlap the way stolen tasks do.
class handoff {
 public:
  void push(block b) {
    {
      const std::lock_guard lock(m_mutex);
      m_items.push_back(b);
    }
    m_ready.notify_one();
  }
  bool pop(block& out) {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [&] { return !m_items.empty() || m_closed; });
    if (m_items.empty()) return false;
    out = m_items.front();
    m_items.pop_front();
    return true;
  }
  void close() {
    {
      const std::lock_guard lock(m_mutex);
      m_closed = true;
    }
    m_ready.notify_all();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<block> m_items;
  bool m_closed = false;
};

// Allocates `count` blocks on one thread and frees them on another; returns what the
// counting decorator saw. The consumer checks the pattern the producer wrote.
alloc::allocation_stats cross_thread_round(std::pmr::memory_resource* upstream, std::size_t count) {
  alloc::counting_resource counting(upstream);
  handoff queue;
  std::thread producer([&] {
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t size = 8 + (i * 37) % 700;
      const std::size_t alignment = std::size_t{8} << (i % 4);
      void* p = counting.allocate(size, alignment);
      std::memset(p, static_cast<int>(i & 0xff), size);
      queue.push({p, size, alignment});
    }
    queue.close();
  });
  bool pattern_ok = true;
  std::thread consumer([&] {
    block b{};
    std::size_t i = 0;
    while (queue.pop(b)) {
      const auto* bytes = static_cast<const unsigned char*>(b.p);
      if (bytes[0] != (i & 0xff) || bytes[b.size - 1] != (i & 0xff)) pattern_ok = false;
      counting.deallocate(b.p, b.size, b.alignment);
      ++i;
    }
  });
  producer.join();
  consumer.join();
  CHECK(pattern_ok);
  return counting.stats();
}

}  // namespace

TEST_CASE("make_resource: every listed strategy builds and reports its name") {
  const auto& names = alloc::available_resources();
  REQUIRE(names.size() == 7);
  CHECK(names.front() == "system");
  for (const auto& name : names) {
    CAPTURE(name);
    auto handle = make(name);
    CHECK(handle.name() == name);
    CHECK(handle.get() != nullptr);
    CHECK(handle.get()->is_equal(*handle.get()));
  }
}

TEST_CASE("make_resource: an unknown name is an error naming it and listing the valid ones") {
  auto handle = alloc::make_resource("tcmalloc");
  REQUIRE_FALSE(handle.has_value());
  CHECK(handle.error().code == pyresolve::errc::invalid_argument);
  const std::string& message = handle.error().message;
  CHECK(message.find("'tcmalloc'") != std::string::npos);
  for (const auto& name : alloc::available_resources()) {
    CAPTURE(name);
    CHECK(message.find(name) != std::string::npos);
  }
}

TEST_CASE("strategies: sizes and alignments are honoured, memory is writable") {
  const std::size_t sizes[] = {0, 1, 7, 8, 15, 16, 24, 100, 1000, 4096, 70000, 1 << 20};
  const std::size_t alignments[] = {1, 2, 4, 8, 16, 32, 64, 256, 4096};
  for (const auto& name : alloc::available_resources()) {
    CAPTURE(name);
    auto handle = make(name);
    std::pmr::memory_resource* r = handle.get();
    std::vector<block> live;
    for (std::size_t size : sizes) {
      for (std::size_t alignment : alignments) {
        CAPTURE(size);
        CAPTURE(alignment);
        void* p = r->allocate(size, alignment);
        REQUIRE(p != nullptr);
        CHECK(reinterpret_cast<std::uintptr_t>(p) % alignment == 0);  // NOLINT
        if (size > 0) std::memset(p, 0xab, size);
        live.push_back({p, size, alignment});
      }
    }
    // Free in a different order from allocation, as real containers do.
    for (std::size_t i = 0; i < live.size(); i += 2)
      r->deallocate(live[i].p, live[i].size, live[i].alignment);
    for (std::size_t i = 1; i < live.size(); i += 2)
      r->deallocate(live[i].p, live[i].size, live[i].alignment);
  }
}

TEST_CASE("strategies: pmr containers work on top of each") {
  for (const auto& name : alloc::available_resources()) {
    CAPTURE(name);
    auto handle = make(name);
    std::pmr::map<std::pmr::string, std::pmr::vector<int>> m(handle.get());
    for (int i = 0; i < 2000; ++i) {
      auto& v = m[std::pmr::string("a fairly long package name number " + std::to_string(i))];
      for (int j = 0; j <= i % 17; ++j) v.push_back(j);
    }
    CHECK(m.size() == 2000);
    CHECK(m.begin()->second.get_allocator().resource() == handle.get());
  }
}

TEST_CASE("strategies: blocks freed on another thread than the one that allocated them") {
  // Every strategy claims to be safe for cross-thread frees; this is the work-stealing pattern
  // (a producer allocates, a consumer frees), many times, with the decorator counting.
  constexpr std::size_t count = 20000;
  for (const auto& name : alloc::available_resources()) {
    CAPTURE(name);
    auto handle = make(name);
    const auto stats = cross_thread_round(handle.get(), count);
    CHECK(stats.allocations == count);
    CHECK(stats.frees == count);
    CHECK(stats.cross_thread_frees == count);
    CHECK(stats.live_bytes == 0);
  }
}

TEST_CASE("strategies: two threads allocating and freeing concurrently, both ways") {
  for (const auto& name : alloc::available_resources()) {
    CAPTURE(name);
    auto handle = make(name);
    alloc::counting_resource counting(handle.get());
    handoff a_to_b;
    handoff b_to_a;
    auto worker = [&](handoff& out, handoff& in) {
      for (std::size_t i = 0; i < 5000; ++i)
        out.push({counting.allocate(16 + i % 300, 16), 16 + i % 300, 16});
      out.close();
      block b{};
      while (in.pop(b)) counting.deallocate(b.p, b.size, b.alignment);
    };
    std::thread a([&] { worker(a_to_b, b_to_a); });
    std::thread b([&] { worker(b_to_a, a_to_b); });
    a.join();
    b.join();
    const auto stats = counting.stats();
    CHECK(stats.allocations == 10000);
    CHECK(stats.cross_thread_frees == 10000);
    CHECK(stats.live_bytes == 0);
  }
}
