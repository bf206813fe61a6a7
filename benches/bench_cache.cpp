// Cold fetch, warm load and entry-decoding cost of the cache (a program, not a test; see
// cache_bench.sh and cache/README.md).
//
//   bench_cache cold   URL TREE CACHE [threads]   wipe CACHE, fetch every page + one metadata each
//   bench_cache warm   URL TREE CACHE [threads]   the same through the (fresh) cache
//   bench_cache decode-binary CACHE               decode every entry of CACHE (our layout)
//   bench_cache decode-raw    TREE CACHE          the alternative layout: the raw PEP 691 JSON and
//                                                 METADATA of the same entries, re-parsed
// TREE is a make-index tree (project names come from TREE/simple/*/). Prints one line of
// figures; the process is what hyperfine times.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pyresolve/cache/cache.hpp"

namespace fs = std::filesystem;
using namespace pyresolve;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

std::vector<std::string> project_names(const fs::path& tree) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(tree / "simple"))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

int fetch(bool cold, const std::string& url, const fs::path& tree, const fs::path& root, unsigned threads) {
  if (cold) fs::remove_all(root);
  auto names = project_names(tree);
  auto t0 = std::chrono::steady_clock::now();
  cache::cache_options o;
  o.root = root;
  auto store = cache::cache::open(o);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 2;
  }
  index::http_client http;
  index::index_client client(http);
  index::index_locations loc;
  loc.index_url = url;
  cache::cached_index front(**store, client, loc);
  std::atomic<std::size_t> next{0}, errors{0}, metadata{0};
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      for (std::size_t k; (k = next++) < names.size();) {
        auto m = front.project(names[k]);
        if (!m) {
          if (errors++ < 10) std::fprintf(stderr, "%s\n", m.error().to_string().c_str());
          continue;
        }
        if ((*m)->versions.empty()) continue;
        for (const auto& f : (*m)->versions.back().files) {
          if (!f.file.has_metadata) continue;
          auto md = front.metadata(names[k], f.file);
          if (md)
            ++metadata;
          else if (errors++ < 10)
            std::fprintf(stderr, "%s\n", md.error().to_string().c_str());
          break;
        }
      }
    });
  for (auto& t : pool) t.join();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  auto st = http.stats();
  auto info = (*store)->info();
  std::printf(
      "%s: %zu projects, %zu metadata, %zu errors, %.1f ms, %llu requests, %.2f MB received, cache %.2f MB\n",
      cold ? "cold" : "warm", names.size(), metadata.load(), errors.load(), ms,
      static_cast<unsigned long long>(st.requests), static_cast<double>(st.bytes) / 1e6,
      info ? static_cast<double>(info->total_bytes) / 1e6 : 0.0);
  return errors == 0 ? 0 : 1;
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".bin") out.push_back(e.path());
  return out;
}

int decode_binary(const fs::path& root) {
  // Read everything first, so that the decode figure is decoding alone (no file system).
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  auto t0 = clock::now();
  std::vector<std::pair<std::string, std::string>> simple, metadata;
  std::size_t bytes = 0, versions = 0, reqs = 0, bad = 0;
  for (const auto& p : entries(root / cache::simple_bucket)) simple.emplace_back(p.string(), slurp(p));
  for (const auto& p : entries(root / cache::metadata_bucket)) metadata.emplace_back(p.string(), slurp(p));
  for (const auto& [p, b] : simple) bytes += b.size();
  for (const auto& [p, b] : metadata) bytes += b.size();
  const double read_ms = ms_since(t0);
  auto t1 = clock::now();
  for (const auto& [p, b] : simple) {
    auto e = cache::decode_simple(b, p);
    if (e)
      versions += e->map.versions.size();
    else
      ++bad;
  }
  const double simple_ms = ms_since(t1);
  auto t2 = clock::now();
  for (const auto& [p, b] : metadata) {
    auto m = cache::decode_metadata(b, p);
    if (m)
      reqs += m->requires_dist.size();
    else
      ++bad;
  }
  const double metadata_ms = ms_since(t2);
  std::printf(
      "decode-binary: %.1f ms (read %.1f ms, decode pages %.1f ms, decode metadata %.1f ms), %.2f MB read, "
      "%zu versions, %zu requirements, %zu bad\n",
      ms_since(t0), read_ms, simple_ms, metadata_ms, static_cast<double>(bytes) / 1e6, versions, reqs, bad);
  return bad == 0 ? 0 : 1;
}

int decode_raw(const fs::path& tree, const fs::path& root) {
  // The same set of entries as decode-binary, stored the other way: raw bodies.
  std::vector<std::string> names;
  for (const auto& p : entries(root / cache::simple_bucket)) names.push_back(p.stem().string());
  std::vector<fs::path> metas;
  for (const auto& p : entries(root / cache::metadata_bucket)) {
    auto stem = p.filename().string();  // <filename>-<16 hex>.bin
    metas.push_back(tree / "files" / (stem.substr(0, stem.size() - 4 - 17) + ".metadata"));
  }
  auto t0 = std::chrono::steady_clock::now();
  std::size_t bytes = 0, versions = 0, reqs = 0, bad = 0;
  for (const auto& n : names) {
    auto body = slurp(tree / "simple" / n / "index.json");
    bytes += body.size();
    auto page = index::parse_json_page(body, "http://127.0.0.1/simple/" + n + "/");
    if (!page) {
      ++bad;
      continue;
    }
    versions += index::build_version_map(*page, n).versions.size();
  }
  for (const auto& m : metas) {
    auto body = slurp(m);
    bytes += body.size();
    auto md = packaging::core_metadata::parse(body);
    if (md)
      reqs += md->requires_dist.size();
    else
      ++bad;
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("decode-raw: %.1f ms, %.2f MB read, %zu versions, %zu requirements, %zu bad\n", ms,
              static_cast<double>(bytes) / 1e6, versions, reqs, bad);
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  unsigned threads = 32;
  if ((a.size() == 4 || a.size() == 5) && (a[0] == "cold" || a[0] == "warm")) {
    if (a.size() == 5) threads = static_cast<unsigned>(std::stoul(a[4]));
    return fetch(a[0] == "cold", a[1], a[2], a[3], threads);
  }
  if (a.size() == 2 && a[0] == "decode-binary") return decode_binary(a[1]);
  if (a.size() == 3 && a[0] == "decode-raw") return decode_raw(a[1], a[2]);
  std::fputs(
      "usage: bench_cache cold|warm URL TREE CACHE [threads] | decode-binary CACHE | decode-raw TREE CACHE\n",
      stderr);
  return 2;
}
