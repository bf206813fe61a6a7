// bench_solve_universe [UNIVERSE.json] [ROUNDS] [REQ...]: the in-memory solve of a universe
// (default tests/resolver/data/universe_rand1000.json, root p0000), repeated; prints the
// median and minimum time per solve. Loading and parsing the JSON is outside the timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"

int main(int argc, char** argv) {
  using namespace pyresolve;
  const std::string path =
      argc > 1 ? argv[1] : PYRESOLVE_SOURCE_DIR "/tests/resolver/data/universe_rand1000.json";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 50;
  std::vector<packaging::requirement> reqs;
  for (int i = 3; i < argc; ++i) reqs.push_back(*packaging::requirement::parse(argv[i]));
  if (reqs.empty()) reqs.push_back(*packaging::requirement::parse("p0000"));
  resolver::resolve_options options;
  options.environment = *packaging::target_environment::create("3.11.7", "linux");
  auto uni = resolver::universe_provider::from_file(path, options.environment);
  if (!uni) {
    std::fprintf(stderr, "error: %s\n", uni.error().to_string().c_str());
    return 2;
  }
  std::vector<double> ms;
  std::size_t pins = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = resolver::resolve(reqs, options, **uni);
    const auto t1 = std::chrono::steady_clock::now();
    if (!out) {
      std::fprintf(stderr, "unsatisfiable:\n%s\n", out.error().explanation.c_str());
      return 1;
    }
    pins = out->packages.size();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%s: %zu pins, %d rounds, median %.3f ms, min %.3f ms per solve\n", path.c_str(), pins, rounds,
              ms[ms.size() / 2], ms.front());
  return 0;
}
