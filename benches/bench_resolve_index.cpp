// One resolve of a requirements file through the cache-backed index provider, as the CLI will
// run it, with the provider's counters: for hyperfine (cold with --prepare 'rm -rf CACHE',
// warm without) and for comparing worker counts.
//   bench_resolve_index INDEX_URL REQUIREMENTS.in [--threads N] [--cache DIR] [--quiet]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/resolver/index_provider.hpp"
#include "pyresolve/resolver/resolve.hpp"

using namespace pyresolve;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s INDEX_URL REQUIREMENTS.in [--threads N] [--cache DIR] [--quiet]\n", argv[0]);
    return 2;
  }
  unsigned threads = 0;
  std::string cache_dir;
  bool quiet = false;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    else if (a == "--cache" && i + 1 < argc) cache_dir = argv[++i];
    else if (a == "--quiet") quiet = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  auto file = packaging::parse_requirements_file(argv[2]);
  if (!file) {
    std::fprintf(stderr, "%s\n", file.error().to_string().c_str());
    return 2;
  }
  std::vector<packaging::requirement> reqs;
  for (const auto& e : file->entries)
    if (e.requirement && !e.constraint) reqs.push_back(*e.requirement);
  const auto env = packaging::target_environment::create(packaging::python_version{3, 11, 7}, packaging::target_platform{});

  const auto t0 = std::chrono::steady_clock::now();
  cache::cache_options copts;
  copts.root = cache_dir;
  copts.no_cache = cache_dir.empty();
  auto store = cache::cache::open(copts);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 2;
  }
  index::http_client http;
  index::index_client client(http);
  cache::cached_index front(**store, client, {argv[1], {}, false});
  resolver::index_provider_options popts;
  popts.environment = env;
  popts.threads = threads;
  resolver::index_provider source(front, popts);
  resolver::resolve_options ropts;
  ropts.environment = env;
  auto out = resolver::resolve(reqs, ropts, source);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!out) {
    std::fprintf(stderr, "%s\n", out.error().explanation.c_str());
    return 1;
  }
  if (!quiet)
    for (const auto& p : out->packages) std::printf("%s==%s\n", p.name.c_str(), p.version.to_string().c_str());
  const auto s = source.stats();
  std::fprintf(stderr,
               "# %zu pins in %.1f ms; %llu pages, %llu metadata (%llu failed), %llu prefetched, %llu solver waits "
               "(%.1f ms), %.1f ms of loads, %llu HTTP waits suspended, %llu HTTP requests\n",
               out->packages.size(), ms, static_cast<unsigned long long>(s.projects),
               static_cast<unsigned long long>(s.metadata), static_cast<unsigned long long>(s.metadata_errors),
               static_cast<unsigned long long>(s.prefetched), static_cast<unsigned long long>(s.solver_waits),
               static_cast<double>(s.wait_time.count()) / 1e6, static_cast<double>(s.load_time.count()) / 1e6,
               static_cast<unsigned long long>(s.http_suspended), static_cast<unsigned long long>(http.stats().requests));
  return 0;
}
