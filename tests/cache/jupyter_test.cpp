// The jupyter closure of the bundled snapshot (about 4,200 projects, 500,000 files) served by
// nginx: cold, warm and revalidating runs counted in nginx's access log. The make-index tree
// (1.7 GB, about a minute to write) is kept under the build folder between runs.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "pyresolve/cache/cache.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
namespace pc = pyresolve::cache;
namespace t = pyresolve::test;
namespace fs = std::filesystem;

namespace {

struct outcome {
  std::size_t metadata = 0;
  std::size_t metadata_errors = 0;  ///< invalid metadata in the data (never cached)
  std::size_t page_errors = 0;
  pc::cached_index_stats stats;
};

/// Every page, and the metadata of one file of each project's newest version, on 32 threads.
outcome sweep(const fs::path& tree, const pc::cache_options& o, const std::string& url) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tree / "simple"))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  auto store = pc::cache::open(o);
  REQUIRE(store);
  index::http_client http;
  index::index_client client(http);
  index::index_locations loc;
  loc.index_url = url;
  pc::cached_index front(**store, client, loc);
  std::atomic<std::size_t> next{0}, md{0}, md_err{0}, page_err{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < 32; ++i)
    pool.emplace_back([&] {
      for (std::size_t k; (k = next++) < names.size();) {
        auto m = front.project(names[k]);
        if (!m) {
          ++page_err;
          continue;
        }
        if ((*m)->versions.empty()) continue;
        for (const auto& f : (*m)->versions.back().files) {
          if (!f.file.has_metadata) continue;
          auto r = front.metadata(names[k], f.file);
          if (r)
            ++md;
          else if (r.error().code == errc::invalid_metadata)
            ++md_err;
          else
            ++page_err;
          break;
        }
      }
    });
  for (auto& th : pool) th.join();
  return {md.load(), md_err.load(), page_err.load(), front.stats()};
}

}  // namespace

TEST_CASE("jupyter closure on nginx: cold, then a warm run with no page or metadata request, then 304s") {
  // PYRESOLVE_JUPYTER_INDEX may name an existing tree (the benchmark's), else the shared one.
  const char* given = std::getenv("PYRESOLVE_JUPYTER_INDEX");
  const fs::path tree = given && *given ? fs::path(given) : t::snapshot_tree(PYRESOLVE_MAKE_INDEX);
  REQUIRE(fs::exists(tree / "simple" / "index.html"));
  t::temp_dir tmp;
  t::nginx_server nginx(tree);
  REQUIRE(nginx.ok());
  std::int64_t clock = 1'700'000'000;
  pc::cache_options o;
  o.root = tmp.path / "cache";
  o.now = [&clock] { return clock; };
  const auto url = nginx.base_url() + "/simple";

  auto base = nginx.requests();
  auto cold = sweep(tree, o, url);
  CHECK(cold.page_errors == 0);
  CHECK(cold.stats.fetched > 4000);
  CHECK(cold.metadata > 4000);
  auto cold_requests = nginx.requests() - base;
  MESSAGE("cold: " << cold.stats.fetched << " pages, " << cold.metadata << " metadata, " << cold_requests
                   << " requests, " << cold.metadata_errors << " invalid metadata files (cached as such)");

  clock += 60;
  base = nginx.log_lines();
  auto warm = sweep(tree, o, url);
  auto warm_requests = nginx.log_lines() - base;
  CHECK(warm.stats.fetched == 0);
  CHECK(warm.stats.fresh_hits == cold.stats.fetched);
  CHECK(warm.stats.metadata_fetched == 0);
  // Zero requests: even the metadata files the packaging parser rejects are remembered.
  CHECK(warm_requests == 0);
  CHECK(warm.metadata_errors == cold.metadata_errors);
  auto log = nginx.log();
  std::size_t page_requests_after = 0;
  {
    std::istringstream lines(log);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line))
      if (++n > base && line.find("GET /simple/") != std::string::npos) ++page_requests_after;
  }
  CHECK(page_requests_after == 0);

  clock += 700;  // past max-age=600
  base = nginx.log_lines();
  auto stale = sweep(tree, o, url);
  CHECK(stale.stats.revalidated == cold.stats.fetched);
  CHECK(stale.stats.fetched == 0);
  CHECK(stale.stats.metadata_fetched == 0);
  auto reval_log = nginx.log();
  std::size_t n304 = 0, n200_pages = 0, n = 0;
  std::istringstream lines(reval_log);
  std::string line;
  while (std::getline(lines, line)) {
    if (++n <= base) continue;
    if (line.find("\" 304 ") != std::string::npos)
      ++n304;
    else if (line.find("GET /simple/") != std::string::npos)
      ++n200_pages;
  }
  CHECK(n304 == cold.stats.fetched);
  CHECK(n200_pages == 0);
}
