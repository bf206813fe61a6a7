#include <doctest/doctest.h>

#include <sys/wait.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/cache/cache.hpp"
#include "support/log_capture.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
namespace pc = pyresolve::cache;
namespace t = pyresolve::test;

namespace {

const char* universe = R"({"packages": {
  "a": {"1.0": {"requires_dist": ["b>=1"], "requires_python": ">=3.8"}, "2.0": {"requires_dist": ["b", "c"]}},
  "b": {"1.0": {}, "1.1": {"requires_dist": ["c; extra == 'x'"]}},
  "c": {"0.1": {}}}})";

/// One "run": a cache, a client and the front, as the CLI will build them.
struct run {
  std::unique_ptr<pc::cache> store;
  index::http_client http;
  index::index_client client{http};
  std::unique_ptr<pc::cached_index> front;
  run(pc::cache_options o, index::index_locations loc,
      std::pmr::memory_resource* memory = pyresolve::support::default_resource()) {
    auto c = pc::cache::open(std::move(o));
    REQUIRE(c);
    store = std::move(*c);
    front = std::make_unique<pc::cached_index>(*store, client, std::move(loc), memory);
  }
  /// Pages of `names` and the metadata of every file.
  std::size_t fetch_all(const std::vector<std::string>& names) {
    std::size_t files = 0;
    for (const auto& n : names) {
      auto m = front->project(n);
      REQUIRE(m);
      for (const auto& v : (*m)->versions)
        for (const auto& f : v.files) {
          auto md = front->metadata(n, f.file);
          REQUIRE(md);
          CHECK((*md)->version == v.version);
          ++files;
        }
    }
    return files;
  }
};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

std::vector<std::filesystem::path> entries(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".bin") out.push_back(e.path());
  return out;
}

bool valid(const std::filesystem::path& p) {
  auto bytes = t::slurp(p);
  return p.string().find(pc::simple_bucket) != std::string::npos
             ? bool(pc::decode_simple(bytes, p.string()))
             : bool(pc::decode_metadata(bytes, p.string()));
}

/// What most cases share: the universe (with real wheels) served by nginx, a cache folder in
/// the same temp dir, and the options and index locations of a run against them.
struct served_universe {
  t::temp_dir tmp;
  bool built = t::make_index_universe(tmp.path, universe, "--with-wheels");
  t::nginx_server nginx{tmp.path / "idx"};
  pc::cache_options options;
  index::index_locations locations;
  const std::vector<std::string> names{"a", "b", "c"};
  served_universe() {
    REQUIRE(built);
    REQUIRE(nginx.ok());
    options.root = tmp.path / "cache";
    locations.index_url = nginx.base_url() + "/simple";
  }
};

/// The universe on a primary index, and `b 9.0` and `d 3.0` on an extra one, each served by
/// nginx; a cache folder in the same temp dir.
struct two_indexes {
  t::temp_dir tmp;
  bool built =
      t::make_index_universe(tmp.path / "one", universe) &&
      t::make_index_universe(tmp.path / "two", R"({"packages": {"b": {"9.0": {}}, "d": {"3.0": {}}}})");
  t::nginx_server primary{tmp.path / "one/idx"};
  t::nginx_server extra{tmp.path / "two/idx"};
  pc::cache_options options;
  index::index_locations locations;
  two_indexes() {
    REQUIRE(built);
    REQUIRE(primary.ok());
    REQUIRE(extra.ok());
    options.root = tmp.path / "cache";
    locations.index_url = primary.base_url() + "/simple";
    locations.extra_index_urls = {extra.base_url() + "/simple"};
  }
};

}  // namespace

TEST_CASE_FIXTURE(
    served_universe,
    "nginx: cold, warm with zero requests, revalidation with 304s, offline, refresh, no-cache") {
  std::int64_t clock = 1'700'000'000;
  options.now = [&clock] { return clock; };
  // Names as a user may spell them: the cache keys on the normalized name.
  const std::vector<std::string> spelled{"a", "B", "c"};

  const std::size_t baseline = nginx.requests();
  std::size_t cold_requests = 0;
  {
    run r(options, locations);
    CHECK(r.fetch_all(spelled) == 5);
    CHECK(r.front->stats().fetched == 3);
    CHECK(r.front->stats().metadata_fetched == 5);
    cold_requests = nginx.requests();
    CHECK(cold_requests == baseline + 8);  // 3 pages + 5 metadata files, each once
  }
  {
    clock += 100;
    run r(options, locations);
    r.fetch_all(spelled);
    CHECK(nginx.requests() == cold_requests);  // warm: zero requests
    CHECK(r.front->stats().fresh_hits == 3);
    CHECK(r.front->stats().metadata_hits == 5);
  }
  {
    clock += 600;  // past max-age=600
    run r(options, locations);
    r.fetch_all(spelled);
    CHECK(r.front->stats().revalidated == 3);
    CHECK(r.front->stats().fetched == 0);
    CHECK(nginx.requests() == cold_requests + 3);  // only the three conditional page requests
    CHECK(count(nginx.log(), "\" 304 ") == 3);
  }
  auto after_revalidation = nginx.requests();
  {
    clock += 10;  // the 304 refreshed the entries: fresh again
    run r(options, locations);
    r.fetch_all(spelled);
    CHECK(nginx.requests() == after_revalidation);
  }
  {
    clock += 1;
    auto ro = options;
    ro.refresh_packages = {"A"};
    run r(ro, locations);
    r.fetch_all(spelled);
    CHECK(r.front->stats().revalidated == 1);
    CHECK(r.front->stats().fresh_hits == 2);
    CHECK(r.front->stats().metadata_fetched == 2);  // a's two files
    after_revalidation = nginx.requests();
  }
  {
    clock += 100000;  // stale, but offline uses it anyway
    auto off = options;
    off.offline = true;
    run r(off, locations);
    r.fetch_all(spelled);
    CHECK(nginx.requests() == after_revalidation);
    auto missing = r.front->project("zzz");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("'zzz'") != std::string::npos);
    CHECK(missing.error().message.find("offline") != std::string::npos);
    // Not "no such project": offline, the cache cannot say, and an answer without it could differ.
    CHECK(missing.error().code == errc::io_error);
  }
  {
    auto nc = options;
    nc.no_cache = true;
    run r(nc, locations);
    r.fetch_all(spelled);
    CHECK(nginx.requests() == after_revalidation + 8);
    auto missing = r.front->project("zzz");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
  }
  auto info = pc::cache::open(options);
  REQUIRE(info);
  auto i = (*info)->info();
  REQUIRE(i);
  CHECK(i->files == 8 + 2);  // entries + CACHEDIR.TAG + .lock
}

TEST_CASE_FIXTURE(served_universe,
                  "stored() tells which entries the cache holds; can_store() whether a load may add one") {
  {
    run cold(options, locations);
    CHECK(cold.front->can_store());
    CHECK_FALSE(cold.front->stored("a"));
    auto page = cold.front->project("a");
    REQUIRE(page);
    const auto& file = (*page)->versions[0].files[0].file;
    CHECK_FALSE(cold.front->stored("A", file));
    REQUIRE(cold.front->metadata("a", file));
    CHECK(cold.front->stored("A"));  // normalized, as every lookup
    CHECK(cold.front->stored("a", file));
    CHECK_FALSE(cold.front->stored("b"));
  }
  auto offline = options;
  offline.offline = true;
  run warm(offline, locations);
  CHECK_FALSE(warm.front->can_store());
  CHECK(warm.front->stored("a"));  // nothing was read to know it
  CHECK(warm.front->stats().fresh_hits == 0);
  auto none = options;
  none.no_cache = true;
  run uncached(none, locations);
  CHECK_FALSE(uncached.front->can_store());
  CHECK_FALSE(uncached.front->stored("a"));
}

TEST_CASE_FIXTURE(two_indexes, "first-index across two indexes, and --no-index") {
  run r(options, locations);
  auto b = r.front->project("b");
  REQUIRE(b);
  REQUIRE((*b)->versions.size() == 1);  // only the extra index's b: first-index
  CHECK((*b)->versions[0].version.to_string() == "9.0");
  auto a = r.front->project("a");
  REQUIRE(a);
  CHECK((*a)->versions.size() == 2);
  locations.no_index = true;
  run none(options, locations);
  CHECK_FALSE(none.front->project("a"));
}

TEST_CASE_FIXTURE(two_indexes, "unsafe index strategies merge the pages, each version from the first index") {
  // The extra index is asked first; its credentials go to its own files only.
  locations.extra_index_urls = {"http://alice:t0psecret@127.0.0.1:" + std::to_string(extra.port()) +
                                "/simple"};
  const std::string primary_host = "127.0.0.1:" + std::to_string(primary.port());
  for (auto strategy :
       {index::index_strategy::unsafe_best_match, index::index_strategy::unsafe_first_match}) {
    locations.strategy = strategy;
    for (int pass = 0; pass < 2; ++pass) {  // fetched, then read back from the cache
      run r(options, locations);
      auto page = r.front->project_page("b");
      REQUIRE(page);
      const auto& view = **page;
      REQUIRE(view.size() == 3);
      CHECK(view.version(0).to_string() == "1.0");
      CHECK(view.version(2).to_string() == "9.0");
      const bool ranked = strategy == index::index_strategy::unsafe_first_match;
      CHECK(view.index_rank(2) == 0);  // the extra index's
      CHECK(view.index_rank(0) == 1);  // the primary's (tried after the extra's under first-match)
      const auto extra_file = view.file(view.files(2)[0]);
      REQUIRE(extra_file);
      CHECK(extra_file->file.url.find("alice:t0psecret@") != std::string::npos);
      const auto primary_file = view.file(view.files(0)[0]);
      REQUIRE(primary_file);
      CHECK(primary_file->file.url.find(primary_host) != std::string::npos);
      CHECK(primary_file->file.url.find("t0psecret") == std::string::npos);
      // A project on one index only is that index's page.
      auto a = r.front->project("a");
      REQUIRE(a);
      CHECK((*a)->versions.size() == 2);
      CHECK(r.front->index_url("b").find("t0psecret") == std::string::npos);
      CHECK(view.ranks_in_order() == ranked);
      // Each version names the index it came from (credentials stripped).
      CHECK(r.front->index_url("b", view.version(2)) ==
            "http://127.0.0.1:" + std::to_string(extra.port()) + "/simple");
      CHECK(r.front->index_url("b", view.version(0)) == locations.index_url);
    }
  }
  for (const auto& f : entries(options.root)) CHECK(t::slurp(f).find("t0psecret") == std::string::npos);
}

TEST_CASE_FIXTURE(served_universe,
                  "corrupt entries are detected, reported at debug level and refetched; offline names them") {
  {
    run r(options, locations);
    r.fetch_all(names);
  }
  auto files = entries(options.root);
  REQUIRE(files.size() == 8);
  std::sort(files.begin(), files.end());
  // truncated, bit-flipped, garbage, empty
  auto text = t::slurp(files[0]);
  t::spit(files[0], text.substr(0, text.size() / 2));
  text = t::slurp(files[1]);
  text[text.size() - 3] = static_cast<char>(text[text.size() - 3] ^ 0x10);
  t::spit(files[1], text);
  t::spit(files[2], std::string(300, 'g'));
  t::spit(files[7], "");
  {
    auto off = options;
    off.offline = true;
    run r(off, locations);
    bool any_error = false;
    for (const auto& n : names) {
      auto m = r.front->project(n);
      if (!m) {
        any_error = true;
        CHECK(m.error().to_string().find("corrupt") != std::string::npos);
        continue;
      }
      for (const auto& v : (*m)->versions)
        for (const auto& f : v.files) {
          auto md = r.front->metadata(n, f.file);
          if (!md) {
            any_error = true;
            CHECK(md.error().to_string().find(".bin") != std::string::npos);
          }
        }
    }
    CHECK(any_error);
  }
  t::log_capture logs;
  options.log = logs.sink();
  {
    run r(options, locations);
    r.fetch_all(names);
    CHECK(r.front->stats().corrupt == 4);
    CHECK(logs.contains("corrupt cache entry"));
  }
  for (const auto& f : entries(options.root)) CHECK(valid(f));
  CHECK(entries(options.root).size() == 8);
}

TEST_CASE("fault server: no cache entry from bad data; transient faults still cached") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe, "--with-wheels"));
  auto srv = t::fault_server::with_rules(tmp.path / "idx", R"([
    {"path": "/simple/a/", "fault": "invalid"},
    {"path": "/simple/b/", "fault": "status", "status": 503},
    {"path": "/simple/c/", "fault": "status", "status": 503, "times": 1},
    {"path_regex": "^/files/b-1\\.0.*metadata", "fault": "truncate"}])",
                                         tmp.path);
  REQUIRE(srv.ok());
  pc::cache_options o;
  o.root = tmp.path / "cache";
  index::index_locations loc;
  loc.index_url = srv.base_url() + "/simple";
  run r(o, loc);
  auto a = r.front->project("a");
  REQUIRE_FALSE(a);
  CHECK(a.error().to_string().find("/simple/a/") != std::string::npos);
  auto b = r.front->project("b");
  REQUIRE_FALSE(b);
  CHECK(b.error().to_string().find("503") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(r.store->simple_path(loc.index_url, "a")));
  CHECK_FALSE(std::filesystem::exists(r.store->simple_path(loc.index_url, "b")));
  auto c = r.front->project("c");
  REQUIRE(c);
  // fault_server sends no Cache-Control, so its pages are stored but always revalidated
  CHECK(std::filesystem::exists(r.store->simple_path(loc.index_url, "c")));
}

TEST_CASE_FIXTURE(
    served_universe,
    "threads: one request per project however many threads ask; concurrent writers into one cache") {
  const std::size_t baseline = nginx.requests();
  {
    run shared(options, locations);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < 16; ++i)
      threads.emplace_back([&] {
        for (const char* n : {"a", "b", "c"}) {
          auto m = shared.front->project(n);
          if (!m) {
            ++failures;
            continue;
          }
          for (const auto& v : (*m)->versions)
            for (const auto& f : v.files)
              if (!shared.front->metadata(n, f.file)) ++failures;
        }
      });
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(nginx.requests() == baseline + 8);  // deduplicated while in flight
  }
  // Independent runs racing on the same entries (as separate processes would).
  auto no = options;
  no.refresh = true;
  std::vector<std::thread> runs;
  for (int i = 0; i < 6; ++i)
    runs.emplace_back([&] {
      run r(no, locations);
      for (const char* n : {"a", "b", "c"}) CHECK(r.front->project(n));
    });
  for (auto& th : runs) th.join();
  for (const auto& f : entries(options.root)) CHECK(valid(f));
}

TEST_CASE("kill -9 of writers mid-write leaves only valid entries; prune removes their temp files") {
  t::temp_dir tmp;
  pc::cache_options o;
  o.root = tmp.path / "cache";
  auto c = pc::cache::open(o);
  REQUIRE(c);
  // Large entries make a kill during write likely.
  index::project_page page;
  for (int i = 0; i < 4000; ++i) {
    index::dist_file f;
    f.filename = "foo-" + std::to_string(i) + ".0.tar.gz";
    f.url = "https://x/" + f.filename;
    page.files.push_back(f);
  }
  pc::simple_entry e;
  e.map = index::build_version_map(page, "foo");
  const std::string bytes = pc::encode_simple(e);
  std::vector<pid_t> kids;
  for (int k = 0; k < 4; ++k) {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int i = 0;; ++i)
        (void)(*c)->write((*c)->simple_path("https://x/simple", "p" + std::to_string(i % 5)), bytes);
    }
    kids.push_back(pid);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  for (pid_t p : kids) ::kill(p, SIGKILL);
  for (pid_t p : kids) ::waitpid(p, nullptr, 0);
  auto files = entries(o.root);
  CHECK(files.size() == 5);
  for (const auto& f : files) CHECK(valid(f));
  auto pruned = (*c)->prune();
  REQUIRE(pruned);
  for (const auto& f : std::filesystem::recursive_directory_iterator(o.root))
    CHECK(f.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE_FIXTURE(served_universe,
                  "eight processes fetching into one cache, four killed with kill -9: entries validate, warm "
                  "answer unchanged") {
  std::vector<std::string> expected;
  {
    run r(options, locations);
    r.fetch_all(names);
    for (const auto& n : names) expected.push_back(pc::encode_simple({{}, **r.front->project(n)}));
  }
  // Children re-fetch everything in a loop (--refresh) so that writes are always in flight.
  // No thread of this process is running here, so fork is safe.
  std::vector<pid_t> kids;
  for (int k = 0; k < 8; ++k) {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto ro = options;
      ro.refresh = true;
      for (int i = 0; i < (k % 2 ? 1000000 : 20); ++i) {
        auto c = pc::cache::cache::open(ro);
        if (!c) ::_exit(3);
        index::http_client http;
        index::index_client client(http);
        pc::cached_index front(**c, client, locations);
        for (const auto& n : names) {
          auto m = front.project(n);
          if (!m) ::_exit(4);
          for (const auto& v : (*m)->versions)
            for (const auto& f : v.files)
              if (!front.metadata(n, f.file)) ::_exit(5);
        }
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (std::size_t k = 1; k < kids.size(); k += 2) ::kill(kids[k], SIGKILL);
  for (std::size_t k = 0; k < kids.size(); ++k) {
    int status = 0;
    ::waitpid(kids[k], &status, 0);
    if (k % 2 == 0) CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  for (const auto& f : entries(options.root)) CHECK(valid(f));
  CHECK(entries(options.root).size() == 8);
  auto before = nginx.requests();
  run r(options, locations);
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto m = r.front->project(names[i]);
    REQUIRE(m);
    CHECK(pc::encode_simple({{}, **m}) == expected[i]);
  }
  r.fetch_all(names);
  CHECK(nginx.requests() == before);  // warm
}

TEST_CASE_FIXTURE(served_universe,
                  "credentials: used for files on the index's host, never written to the cache or errors") {
  locations.index_url = "http://alice:t0psecret@127.0.0.1:" + std::to_string(nginx.port()) + "/simple";
  for (int pass = 0; pass < 2; ++pass) {
    run r(options, locations);
    auto m = r.front->project("a");
    REQUIRE(m);
    const auto& url = (*m)->versions[0].files[0].file.url;
    CHECK(url.find("alice:t0psecret@127.0.0.1") != std::string::npos);
    r.fetch_all(names);
    auto missing = r.front->project("nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().to_string().find("t0psecret") == std::string::npos);
  }
  for (const auto& f : entries(options.root)) CHECK(t::slurp(f).find("t0psecret") == std::string::npos);
  // nginx saw the credentials (Basic auth) on page and file requests alike
  CHECK(nginx.requests() > 0);
}

TEST_CASE(
    "sdists: PKG-INFO metadata and 'a build would be needed' verdicts are cached, so a warm run asks "
    "nothing") {
  t::temp_dir tmp;
  int rc = 0;
  auto out = t::run("/usr/bin/python3 " + std::string(PYRESOLVE_TEST_DATA_DIR) + "/index/make_archives.py " +
                        (tmp.path / "idx").string() + " --sdists-only 2>&1",
                    &rc);
  INFO(out);
  REQUIRE(rc == 0);
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  pc::cache_options options;
  options.root = tmp.path / "cache";
  index::index_locations locations;
  locations.index_url = nginx.base_url() + "/simple";
  const std::vector<std::string> projects{"good", "goodzip", "dyn", "old", "nopkg", "corrupt"};
  auto outcomes = [&](run& r) {
    std::vector<std::string> seen;
    for (const auto& n : projects) {
      auto m = r.front->project(n);
      REQUIRE(m);
      auto md = r.front->metadata(n, (*m)->versions.at(0).files.at(0).file);
      seen.push_back(md ? "ok " + (*md)->version.to_string() : md.error().to_string());
    }
    return seen;
  };
  std::vector<std::string> cold;
  {
    run r(options, locations);
    cold = outcomes(r);
    CHECK(r.front->stats().metadata_fetched == 2);
  }
  CHECK(cold[0] == "ok 1.0");
  CHECK(cold[1] == "ok 2.0");
  CHECK(cold[2].find("a build") != std::string::npos);
  CHECK(cold[5].find("corrupt source distribution") != std::string::npos);
  const auto after_cold = nginx.requests();
  CHECK(after_cold == 12);  // 6 pages + 6 sdists
  {
    run r(options, locations);
    CHECK(outcomes(r) == cold);
    CHECK(r.front->stats().metadata_hits == 6);
  }
  CHECK(nginx.requests() == after_cold);  // warm: nothing downloaded again
}

/// The universe as a file:// index, and a cache folder beside it.
struct file_universe {
  t::temp_dir tmp;
  pc::cache_options o;
  index::index_locations loc;
  const std::vector<std::string> names{"a", "b", "c"};
  file_universe() {
    REQUIRE(t::make_index_universe(tmp.path, universe));
    o.root = tmp.path / "cache";
    loc.index_url = "file://" + (tmp.path / "idx/simple").string();
  }
};

TEST_CASE_FIXTURE(file_universe,
                  "file:// pages: cached, revalidated by size and mtime, re-read when the page changes") {
  {
    run r(o, loc);
    r.fetch_all(names);
    CHECK(r.front->stats().fetched == 3);
  }
  const auto page_entry = entries(o.root / pc::simple_bucket);
  REQUIRE(page_entry.size() == 3);
  const auto written = std::filesystem::last_write_time(page_entry.front());
  {
    run r(o, loc);
    r.fetch_all(names);
    CHECK(r.front->stats().fetched == 0);
    CHECK(r.front->stats().revalidated == 3);  // one stat() each, nothing parsed
    CHECK(std::filesystem::last_write_time(page_entry.front()) == written);  // not rewritten
  }
  {
    auto off = o;
    off.offline = true;
    run r(off, loc);
    r.fetch_all(names);
    CHECK(r.front->stats().fresh_hits == 3);
  }
  // A rebuilt page (here: c gains a version) must be read again, not served from the cache.
  const auto c_page = tmp.path / "idx/simple/c/index.json";
  auto text = t::slurp(c_page);
  REQUIRE(text.find("\"versions\"") != std::string::npos);
  t::spit(c_page, text + "\n");  // a different size is enough
  {
    run r(o, loc);
    auto c = r.front->project("c");
    REQUIRE(c);
    CHECK(r.front->stats().fetched == 1);
  }
}

TEST_CASE_FIXTURE(file_universe,
                  "the front cache keeps pages, metadata and its bookkeeping in its memory resource") {
  pyresolve::allocator::counting_resource cold(std::pmr::new_delete_resource());
  {
    run r(o, loc, &cold);
    CHECK(r.fetch_all(names) > 0);
    CHECK(cold.stats().allocations > 0);
    CHECK(cold.stats().live_bytes > 0);  // the pages and metadata it holds
  }
  CHECK(cold.stats().live_bytes == 0);
  auto off = o;
  off.offline = true;
  pyresolve::allocator::counting_resource warm(std::pmr::new_delete_resource());
  {
    run r(off, loc, &warm);
    r.fetch_all(names);
    CHECK(r.front->stats().fresh_hits == 3);
    // Per page: the view's tables and shared block and the once-map's key, node and answer
    // state; per metadata: the shared block and the same bookkeeping.
    CHECK(warm.stats().allocations >= 3 * 5);
  }
  CHECK(warm.stats().live_bytes == 0);
  CHECK(warm.stats().frees == warm.stats().allocations);
}

TEST_CASE_FIXTURE(served_universe,
                  "a 404 is recorded: offline gives the fetching run's answer, with no request") {
  std::int64_t clock = 1'700'000'000;
  options.now = [&clock] { return clock; };
  {
    run cold(options, locations);
    auto missing = cold.front->project("zzz");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
  }
  const auto after_cold = nginx.requests();
  auto off = options;
  off.offline = true;
  {
    run warm(off, locations);
    auto missing = warm.front->project("ZZZ");
    REQUIRE_FALSE(missing);
    // The answer the online run had, not "not in the cache".
    CHECK(missing.error().code == errc::not_found);
    CHECK(missing.error().message.find("not found") != std::string::npos);
    CHECK(nginx.requests() == after_cold);
    // A project never asked for is still a failed read offline.
    auto never = warm.front->project("yyy");
    REQUIRE_FALSE(never);
    CHECK(never.error().code == errc::io_error);
  }
  {
    // Online, the record is stale at once (nginx's 404 carries no max-age): asked again.
    run online(options, locations);
    auto missing = online.front->project("zzz");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
    CHECK(nginx.requests() == after_cold + 1);
  }
}

TEST_CASE_FIXTURE(two_indexes,
                  "a 404 recorded for the first index does not hide the project on the next one, offline") {
  {
    run cold(options, locations);
    auto d = cold.front->project("d");
    REQUIRE(d);
  }
  options.offline = true;
  run warm(options, locations);
  auto d = warm.front->project("d");
  REQUIRE(d);
  REQUIRE((*d)->versions.size() == 1);
  CHECK((*d)->versions[0].version.to_string() == "3.0");
}

TEST_CASE_FIXTURE(served_universe,
                  "cache-only calls: the normal answer when no HTTP is needed, else nullopt and no request") {
  std::int64_t clock = 1'700'000'000;
  options.now = [&clock] { return clock; };
  const std::size_t baseline = nginx.requests();
  std::optional<index::dist_file> file_of_a;
  {
    run r(options, locations);  // cold: every cache-only call declines, without a request
    CHECK_FALSE(r.front->project_page_from_cache("a").has_value());
    CHECK_FALSE(r.front->project_page_from_cache("A").has_value());  // declined again, not memoized
    CHECK(nginx.requests() == baseline);
    CHECK(r.front->stats().fetched == 0);
    auto page = r.front->project_page("a");  // the normal call still loads it
    REQUIRE(page);
    CHECK(r.front->stats().fetched == 1);
    auto again = r.front->project_page_from_cache("a");  // now memoized: the same page
    REQUIRE(again.has_value());
    REQUIRE(*again);
    CHECK(again->value() == *page);
    file_of_a = (*page)->entry(0).files.at(0).file;
    for (auto scope : {pc::metadata_scope::all, pc::metadata_scope::without_extra_only})
      CHECK_FALSE(r.front->metadata_from_cache("a", *file_of_a, scope).has_value());
    CHECK(nginx.requests() == baseline + 1);
    auto md = r.front->metadata("a", *file_of_a, pc::metadata_scope::without_extra_only);
    REQUIRE(md);
    auto md_again = r.front->metadata_from_cache("a", *file_of_a, pc::metadata_scope::without_extra_only);
    REQUIRE(md_again.has_value());
    CHECK(md_again->value() == *md);
    CHECK(r.front->metadata_from_cache("a", *file_of_a).has_value());  // the fetch was whole
    CHECK(nginx.requests() == baseline + 2);
  }
  {
    clock += 100;  // fresh entries: answered from the cache, as the normal call would
    run r(options, locations);
    auto page = r.front->project_page_from_cache("a");
    REQUIRE(page.has_value());
    REQUIRE(*page);
    CHECK((**page)->name() == "a");
    auto md = r.front->metadata_from_cache("a", *file_of_a, pc::metadata_scope::without_extra_only);
    REQUIRE(md.has_value());
    REQUIRE(*md);
    CHECK((**md)->name == "a");
    CHECK_FALSE(r.front->project_page_from_cache("b").has_value());  // never fetched
    CHECK(r.front->stats().fresh_hits == 1);
    CHECK(r.front->stats().metadata_hits == 1);
    CHECK(nginx.requests() == baseline + 2);
  }
  {
    clock += 100000;  // stale: the page needs a revalidation, the (immutable) metadata does not
    run r(options, locations);
    CHECK_FALSE(r.front->project_page_from_cache("a").has_value());
    CHECK(r.front->metadata_from_cache("a", *file_of_a).has_value());
    CHECK(nginx.requests() == baseline + 2);
    auto off = options;
    off.offline = true;  // offline, any entry serves, and a missing one is the normal error
    run o(off, locations);
    auto page = o.front->project_page_from_cache("a");
    REQUIRE(page.has_value());
    CHECK(static_cast<bool>(*page));
    auto missing = o.front->project_page_from_cache("b");
    REQUIRE(missing.has_value());
    REQUIRE_FALSE(*missing);
    CHECK(missing->error().code == errc::io_error);
    CHECK(nginx.requests() == baseline + 2);
  }
  {
    auto r_opts = options;
    r_opts.refresh = true;  // --refresh: every entry needs the network
    run r(r_opts, locations);
    CHECK_FALSE(r.front->project_page_from_cache("a").has_value());
    CHECK_FALSE(r.front->metadata_from_cache("a", *file_of_a).has_value());
    auto nc = options;
    nc.no_cache = true;
    run n(nc, locations);
    CHECK_FALSE(n.front->project_page_from_cache("a").has_value());
    CHECK(nginx.requests() == baseline + 2);
  }
  {
    auto nc = options;  // a file: index needs no network: answered with no cache at all
    nc.no_cache = true;
    run r(nc, index::index_locations{"file://" + (tmp.path / "idx" / "simple").string(), {}, false});
    auto page = r.front->project_page_from_cache("a");
    REQUIRE(page.has_value());
    REQUIRE(*page);
    auto md = r.front->metadata_from_cache("a", (**page)->entry(0).files.at(0).file);
    REQUIRE(md.has_value());
    CHECK(static_cast<bool>(*md));
    CHECK(r.front->stats().fetched == 1);
    CHECK(r.http.stats().requests == 0);
  }
}
