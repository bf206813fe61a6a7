// One resolve of a requirements file through the cache-backed index provider, as the CLI will
// run it, with the provider's counters: for hyperfine (cold with --prepare 'rm -rf CACHE',
// warm without) and for comparing worker counts.
//   bench_resolve_index INDEX_URL REQUIREMENTS.in [--threads N] [--cache DIR] [--quiet]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_index_session.hpp"

using namespace pyresolve;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s INDEX_URL REQUIREMENTS.in [--threads N] [--cache DIR] [--quiet]\n",
                 argv[0]);
    return 2;
  }
  unsigned threads = 0;
  std::string cache_dir;
  bool quiet = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc)
      threads = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else if (a == "--cache" && i + 1 < argc)
      cache_dir = argv[++i];
    else if (a == "--quiet")
      quiet = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  const auto reqs = bench::read_requirements(argv[2]);
  if (!reqs) return 2;
  const auto env = bench::bench_environment();

  const auto t0 = std::chrono::steady_clock::now();
  cache::cache_options copts;
  copts.root = cache_dir;
  copts.no_cache = cache_dir.empty();
  auto session = bench::index_session::open(argv[1], copts, env, threads, std::pmr::get_default_resource());
  if (!session) return 2;
  auto out = session->resolve(*reqs, env, std::pmr::get_default_resource());
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!out) return 1;
  if (!quiet)
    for (const auto& p : out->packages)
      std::printf("%s==%s\n", p.name.c_str(), p.version.to_string().c_str());
  const auto s = session->source->stats();
  std::fprintf(
      stderr,
      "# %zu pins in %.1f ms; %llu pages, %llu metadata (%llu failed), %llu prefetched, %llu solver waits "
      "(%.1f ms), %.1f ms of loads, %llu loads on %llu I/O threads, %llu HTTP requests\n",
      out->packages.size(), ms, static_cast<unsigned long long>(s.projects),
      static_cast<unsigned long long>(s.metadata), static_cast<unsigned long long>(s.metadata_errors),
      static_cast<unsigned long long>(s.prefetched), static_cast<unsigned long long>(s.solver_waits),
      static_cast<double>(s.wait_time.count()) / 1e6, static_cast<double>(s.load_time.count()) / 1e6,
      static_cast<unsigned long long>(s.io_loads), static_cast<unsigned long long>(s.io_threads),
      static_cast<unsigned long long>(session->http.stats().requests));
  return 0;
}
