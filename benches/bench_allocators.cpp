// bench_allocators: per-operation cost of each allocator strategy, with and without the
// counting decorator, in two patterns with 2 threads:
//   same  - each of 2 threads allocates a batch of 1024 blocks (16..256 B) and frees it;
//   cross - a producer allocates batches, a consumer frees them (the work-stealing pattern).
// Columns: plain, counting_resource with exact peak, counting_resource with peak_tracking::off.
// Prints ns per allocate+deallocate pair (wall time / pairs; in `same`, both threads run,
// so it is wall time for 2x pairs). For instruction counts, run under callgrind with one
// strategy and one pattern, with and without --counting, and subtract (allocator/README.md).
//
// bench_allocators [--strategies a,b,...] [--pattern same|cross|both] [--counting off|exact|nopeak|both]
//                  [--pairs N] [--repeat R]

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace alloc = pyresolve::allocator;

namespace {

constexpr std::size_t batch_size = 1024;
// A fresh arena per round of this many pairs: the arena never frees, and a resolution is
// where its lifetime ends; without rounds the benchmark would only measure page faults.
constexpr std::size_t arena_round = 1 << 16;

struct batch {
  std::vector<void*> blocks;
  std::vector<std::size_t> sizes;
};

std::vector<std::size_t> make_sizes(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> dist(16, 256);
  std::vector<std::size_t> sizes(batch_size);
  for (auto& s : sizes) s = dist(rng);
  return sizes;
}

// Runs `pairs` alloc/free pairs through `r` on the calling thread, in batches.
void same_thread(std::pmr::memory_resource* r, std::size_t pairs, const std::vector<std::size_t>& sizes) {
  std::vector<void*> blocks(batch_size);
  for (std::size_t done = 0; done < pairs; done += batch_size) {
    for (std::size_t i = 0; i < batch_size; ++i) blocks[i] = r->allocate(sizes[i], 8);
    for (std::size_t i = 0; i < batch_size; ++i) r->deallocate(blocks[i], sizes[i], 8);
  }
}

void cross_thread(std::pmr::memory_resource* r, std::size_t pairs, const std::vector<std::size_t>& sizes) {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::vector<void*>> queue;
  bool done = false;
  std::thread consumer([&] {
    for (;;) {
      std::vector<void*> blocks;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) return;
        blocks = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();  // the producer may be waiting for room
      for (std::size_t i = 0; i < blocks.size(); ++i) r->deallocate(blocks[i], sizes[i], 8);
    }
  });
  for (std::size_t n = 0; n < pairs; n += batch_size) {
    std::vector<void*> blocks(batch_size);
    for (std::size_t i = 0; i < batch_size; ++i) blocks[i] = r->allocate(sizes[i], 8);
    std::unique_lock lock(mutex);
    // Bounded: the producer waits when the consumer falls 8 batches behind, so memory in
    // flight stays small and the two threads really overlap.
    cv.wait(lock, [&] { return queue.size() < 8; });
    queue.push_back(std::move(blocks));
    cv.notify_all();
  }
  {
    const std::lock_guard lock(mutex);
    done = true;
  }
  cv.notify_all();
  consumer.join();
}

// One measurement: ns per pair, and the decorator's stats when counting.
struct measurement {
  double ns_per_pair;
  std::optional<alloc::allocation_stats> stats;
};

measurement run(const std::string& name, bool cross, int counting, std::size_t pairs) {
  const auto sizes = make_sizes(42);
  const std::size_t round = name == "arena" ? arena_round : pairs;
  std::optional<alloc::allocation_stats> total;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t done = 0; done < pairs; done += round) {
    auto handle = alloc::make_resource(name);
    if (!handle) {
      std::fprintf(stderr, "%s\n", handle.error().to_string().c_str());
      std::exit(2);
    }
    std::optional<alloc::counting_resource> counter;
    std::pmr::memory_resource* r = handle->get();
    if (counting != 0)
      r = &counter.emplace(r, counting == 1 ? alloc::peak_tracking::exact : alloc::peak_tracking::off);
    const std::size_t n = std::min(round, pairs - done);
    if (cross) {
      cross_thread(r, n, sizes);
    } else {
      std::thread other([&] { same_thread(r, n, sizes); });
      same_thread(r, n, sizes);
      other.join();
    }
    if (counter) {
      const auto s = counter->stats();
      if (!total) total.emplace();
      total->allocations += s.allocations;
      total->cross_thread_frees += s.cross_thread_frees;
      total->peak_live_bytes = std::max(total->peak_live_bytes, s.peak_live_bytes);
    }
  }
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  return {ns / static_cast<double>(cross ? pairs : 2 * pairs), total};
}

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> strategies = alloc::available_resources();
  std::string pattern = "both";
  std::string counting = "both";
  std::size_t pairs = 1 << 20;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    const std::string_view value = argv[i + 1];
    if (arg == "--strategies")
      strategies = split(value);
    else if (arg == "--pattern")
      pattern = value;
    else if (arg == "--counting")
      counting = value;
    else if (arg == "--pairs")
      pairs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (arg == "--repeat")
      repeat = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: bench_allocators [--strategies a,b] [--pattern same|cross|both] "
                   "[--counting off|exact|nopeak|both] [--pairs N] [--repeat R]\n");
      return 2;
    }
  }
  std::printf("process malloc: %s; %zu pairs per run, median of %d runs, ns per alloc+free pair\n",
              alloc::process_allocator_name().c_str(), pairs, repeat);
  std::printf("%-11s %-6s %8s %11s %12s %12s\n", "strategy", "pattern", "plain", "count+peak", "count,nopeak",
              "cross frees");
  for (const auto& name : strategies) {
    for (const bool cross : {false, true}) {
      if ((pattern == "same" && cross) || (pattern == "cross" && !cross)) continue;
      // Alternate plain and counting runs so drift on this shared machine hits both alike.
      std::vector<double> plain;
      std::vector<double> counted;
      std::vector<double> counted_nopeak;
      std::optional<alloc::allocation_stats> stats;
      for (int k = 0; k < repeat; ++k) {
        if (counting == "off" || counting == "both") plain.push_back(run(name, cross, 0, pairs).ns_per_pair);
        if (counting == "exact" || counting == "both") {
          auto m = run(name, cross, 1, pairs);
          counted.push_back(m.ns_per_pair);
          stats = m.stats;
        }
        if (counting == "nopeak" || counting == "both")
          counted_nopeak.push_back(run(name, cross, 2, pairs).ns_per_pair);
      }
      auto median = [](std::vector<double> v) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      const double p = median(plain);
      const double c = median(counted);
      const double c2 = median(counted_nopeak);
      char cross_frees[32] = "-";
      if (stats)
        std::snprintf(cross_frees, sizeof cross_frees, "%llu",
                      static_cast<unsigned long long>(stats->cross_thread_frees));
      std::printf("%-11s %-6s %8.1f %11.1f %12.1f %12s\n", name.c_str(), cross ? "cross" : "same", p, c, c2,
                  cross_frees);
      std::fflush(stdout);
    }
  }
  return 0;
}
