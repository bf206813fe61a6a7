// uv's `resolve_warm_jupyter`, in process: each iteration builds fresh in-memory state (cache
// handle, cached index, provider, solver) over a cache already on disk, offline, and resolves.
// For profiling and for callgrind instruction counts per allocator (repeatable on a noisy
// machine); whole-process timings are benches/run.sh's job.
//
//   bench_resolve_warm INDEX_URL REQUIREMENTS.in --cache DIR [--allocator NAME] [--threads N]
//                      [--iterations K] [--count] [--global]
//
//   --count   wrap the resource in allocator::counting_resource and print its counters
//   --global  count calls to the global operator new (this binary replaces it), i.e. what
//             bypasses the injected resource; sites: heaptrack or callgrind (allocator/README.md)
// The cache must be warm (run `resolve --cache-dir DIR ...` once); a miss is an error.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "bench_index_session.hpp"
#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace {
std::atomic<bool> g_count_global{false};
std::atomic<std::uint64_t> g_global_news{0};
std::atomic<std::uint64_t> g_global_bytes{0};

void* counted_new(std::size_t size) {
  if (g_count_global.load(std::memory_order_relaxed)) {
    g_global_news.fetch_add(1, std::memory_order_relaxed);
    g_global_bytes.fetch_add(size, std::memory_order_relaxed);
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
}  // namespace

// Replacing these four is enough: the sized and nothrow forms of libstdc++ forward to them.
void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace pyresolve;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s INDEX_URL REQUIREMENTS.in --cache DIR [--allocator NAME] [--threads N] "
                 "[--iterations K] [--count] [--global]\n",
                 argv[0]);
    return 2;
  }
  std::string cache_dir;
  std::string allocator_name = "system";
  unsigned threads = 0;
  int iterations = 10;
  bool count = false;
  bool global = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cache" && i + 1 < argc)
      cache_dir = argv[++i];
    else if (a == "--allocator" && i + 1 < argc)
      allocator_name = argv[++i];
    else if (a == "--threads" && i + 1 < argc)
      threads = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else if (a == "--iterations" && i + 1 < argc)
      iterations = std::max(1, std::atoi(argv[++i]));
    else if (a == "--count")
      count = true;
    else if (a == "--global")
      global = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (cache_dir.empty()) {
    std::fprintf(stderr, "--cache DIR is required (a warm cache)\n");
    return 2;
  }
  const auto reqs = bench::read_requirements(argv[2]);
  if (!reqs) return 2;
  const auto env = bench::bench_environment();

  auto heap = allocator::make_resource(allocator_name);
  if (!heap) {
    std::fprintf(stderr, "--allocator: %s\n", heap.error().to_string().c_str());
    return 2;
  }
  std::vector<double> times;
  for (int it = 0; it < iterations; ++it) {
    std::optional<allocator::counting_resource> counted;
    std::pmr::memory_resource* memory = count ? &counted.emplace(heap->get()) : heap->get();
    const std::uint64_t news_before = g_global_news.load();
    const std::uint64_t bytes_before = g_global_bytes.load();
    g_count_global.store(global);
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t pins = 0;
    {
      cache::cache_options copts;
      copts.root = cache_dir;
      copts.offline = true;
      auto session = bench::index_session::open(argv[1], copts, env, threads, memory);
      if (!session) return 2;
      auto out = session->resolve(*reqs, env, memory);
      if (!out) return 1;
      pins = out->packages.size();
    }
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    g_count_global.store(false);
    std::fprintf(stderr, "# iteration %d: %zu pins in %.2f ms", it, pins, times.back());
    if (global)
      std::fprintf(stderr, "; global operator new: %llu calls, %llu bytes",
                   static_cast<unsigned long long>(g_global_news.load() - news_before),
                   static_cast<unsigned long long>(g_global_bytes.load() - bytes_before));
    if (counted) {
      const auto a = counted->stats();
      std::fprintf(
          stderr, "; resource: %llu allocs, %llu frees, %llu bytes, peak %llu bytes, %llu cross-thread frees",
          static_cast<unsigned long long>(a.allocations), static_cast<unsigned long long>(a.frees),
          static_cast<unsigned long long>(a.bytes_allocated),
          static_cast<unsigned long long>(a.peak_live_bytes),
          static_cast<unsigned long long>(a.cross_thread_frees));
    }
    std::fprintf(stderr, "\n");
  }
  std::sort(times.begin(), times.end());
  std::printf("%s: median %.2f ms, min %.2f ms over %d iterations (%s, %u threads)\n", argv[2],
              times[times.size() / 2], times.front(), iterations, allocator_name.c_str(), threads);
  return 0;
}
