// The index provider's I/O threads (resolver/src/detail/io_pool.hpp): lazily started, bounded,
// every task run, joined by the destructor.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "detail/io_pool.hpp"

using pyresolve::resolver::detail::io_pool;

TEST_CASE("io_pool: no thread before the first post; tasks run concurrently up to the bound") {
  std::atomic<int> ran{0};
  {
    io_pool pool(4);
    CHECK(pool.threads() == 0);
    // Four tasks that each wait for all four: they finish only if four threads run them at once.
    std::latch all_in(4);
    std::mutex ids_mutex;
    std::vector<std::thread::id> ids;
    for (int i = 0; i < 4; ++i)
      pool.post([&] {
        {
          std::lock_guard lock(ids_mutex);
          ids.push_back(std::this_thread::get_id());
        }
        all_in.arrive_and_wait();
        ++ran;
      });
    all_in.wait();
    CHECK(pool.threads() == 4);
    // More tasks than threads: queued, and the pool never grows past its bound.
    for (int i = 0; i < 100; ++i) pool.post([&] { ++ran; });
    CHECK(pool.threads() == 4);
    std::lock_guard lock(ids_mutex);
    REQUIRE(ids.size() == 4);
    for (const auto& id : ids) CHECK(id != std::this_thread::get_id());
  }  // the destructor runs what is queued, then joins
  CHECK(ran == 104);
}

TEST_CASE("io_pool: an idle thread takes the next task instead of a new thread starting") {
  io_pool pool(8);
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) {
    pool.post([&] { ++ran; });
    for (int w = 0; w < 5000 && ran.load() <= i; ++w)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(ran.load() == i + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // back to waiting, most likely
  }
  // One task at a time, each finished before the next came: the first thread served them all
  // (were it not yet waiting when the next came, a second would start: hence the slack).
  CHECK(pool.threads() >= 1);
  CHECK(pool.threads() <= 2);
}

TEST_CASE("io_pool: with one thread, tasks run in the order posted; a pool never posted to joins none") {
  std::vector<int> order;
  {
    io_pool pool(1);
    for (int i = 0; i < 50; ++i) pool.post([&order, i] { order.push_back(i); });
  }
  REQUIRE(order.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
  io_pool unused(3);
  CHECK(unused.threads() == 0);
}
