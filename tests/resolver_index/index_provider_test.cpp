// The index provider with the solver on make-index trees: uv's requirement files resolved
// from the bundled snapshot through file:// and nginx, cold and warm, on one and two workers;
// missing projects, broken metadata and the binary policy on small universes.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/resolver/index_provider.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "support/servers.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

using namespace pyresolve;
namespace pc = pyresolve::cache;
namespace pr = pyresolve::resolver;
namespace t = pyresolve::test;
namespace fs = std::filesystem;

namespace {

/// Python 3.11.7 on x86_64 manylinux: what check_solution.py assumes.
packaging::target_environment target() {
  return packaging::target_environment::create(packaging::python_version{3, 11, 7},
                                               packaging::target_platform{});
}

/// Provider options for `target()`.
pr::index_provider_options provider_options(unsigned threads = 0) {
  pr::index_provider_options o;
  o.environment = target();
  o.threads = threads;
  return o;
}

/// The snapshot closure of black and jupyter (uv's `black.in` and `jupyter.in`) as one
/// make-index tree plus its universe, shared by every preset (tests/support/snapshot_tree.sh).
struct snapshot_fixture {
  fs::path tree;
  fs::path universe;
  fs::path requirements;  ///< the requirement file of the case
};

snapshot_fixture snapshot_tree(const std::string& name) {
  const fs::path tree = t::snapshot_tree(PYRESOLVE_MAKE_INDEX);
  REQUIRE(!tree.empty());
  return {tree, tree.parent_path() / "universe.json",
          fs::path(t::source_dir()) / "data/uv-requirements" / (name + ".in")};
}

std::vector<packaging::requirement> read_requirements(const fs::path& file) {
  auto parsed = packaging::parse_requirements_file(file);
  REQUIRE(parsed);
  std::vector<packaging::requirement> out;
  for (const auto& e : parsed->entries)
    if (e.requirement && !e.constraint) out.push_back(*e.requirement);
  return out;
}

/// What the CLI builds before a provider: a cache (none when `cache_root` is empty), a client
/// and the cached index of one index URL.
struct front_end {
  std::unique_ptr<pc::cache> store;
  index::http_client http;
  index::index_client client{http};
  std::unique_ptr<pc::cached_index> front;
  explicit front_end(const std::string& index_url, const fs::path& cache_root = {}) {
    pc::cache_options copts;
    copts.root = cache_root;
    copts.no_cache = cache_root.empty();
    auto opened = pc::cache::open(copts);
    REQUIRE(opened);
    store = std::move(*opened);
    front = std::make_unique<pc::cached_index>(*store, client, index::index_locations{index_url, {}, false});
  }
};

/// One resolve as the CLI will run it.
struct outcome {
  bool ok = false;
  std::string pins;         ///< `name==version` lines, sorted
  std::string explanation;  ///< when !ok
  pr::index_provider_stats provider;
  pc::cached_index_stats cache;
  index::client_stats http;
  bool files_known = true;  ///< files() and index_url() answer for every pin
  std::uint64_t forks = 0;  ///< universal: the forks merged
};

struct run_options {
  unsigned threads = 1;
  fs::path cache_root;  ///< empty: no cache
  pr::binary_policy binaries;
  /// Universal from Python 3.8, forks solved by `threads` solver threads over the provider.
  bool universal = false;
  pr::upload_cutoff exclude_newer = {};
};

outcome resolve_with(const std::string& index_url, const std::vector<packaging::requirement>& requirements,
                     const run_options& o) {
  front_end fe(index_url, o.cache_root);
  pr::index_provider_options popts;
  popts.environment = target();
  popts.threads = o.threads;
  popts.binaries = o.binaries;
  popts.universal = o.universal;
  popts.exclude_newer = o.exclude_newer;
  pr::index_provider source(*fe.front, popts);
  pr::resolve_options ropts;
  ropts.environment = target();
  if (o.universal) {
    ropts.universal = *packaging::marker::parse("python_full_version >= '3.8'");
    ropts.threads = o.threads;
  }
  auto res = pr::resolve(requirements, ropts, source);
  outcome out;
  out.ok = bool(res);
  if (res) {
    out.forks = res->stats.forks;
    for (const auto& p : res->packages) {
      out.pins += p.name + "==" + p.version.to_string() + (p.marker.empty() ? "" : " ; " + p.marker) + "\n";
      out.files_known = out.files_known && source.files(p.name, p.version) != nullptr &&
                        source.index_url(p.name) == index_url;
    }
  } else {
    out.explanation = res.error().explanation;
  }
  // The counters of a finished run, as the CLI leaves it: a prefetch the solver never needed
  // may still be in flight when `resolve` returns, its request already counted by the client
  // (when it starts) and not yet by the cache (when its answer is stored).
  source.settle();
  out.provider = source.stats();
  out.cache = fe.front->stats();
  out.http = fe.http.stats();
  return out;
}

/// check_solution.py of the peers on the pins: empty when it accepts them (or the peers are
/// absent), else its output.
std::string peers_reject(const snapshot_fixture& f, const std::string& pins, const fs::path& work) {
  const fs::path script = "/work/shared/peers/check_solution.py";
  if (!fs::exists(script)) {
    MESSAGE("check_solution.py absent: validity not checked");
    return {};
  }
  t::spit(work / "pins.txt", pins);
  std::string roots;
  for (const auto& r : read_requirements(f.requirements)) roots += " '" + r.to_string() + "'";
  int rc = 0;
  const std::string out =
      t::run("/usr/bin/python3 " + script.string() + " " + f.universe.string() +
                 " --python-version 3.11.7 --pins " + (work / "pins.txt").string() + roots + " 2>&1",
             &rc);
  return rc == 0 ? std::string() : "check_solution.py rejects the pins:\n" + out;
}

/// `file://` of the tree's simple index.
std::string file_url(const fs::path& tree) { return "file://" + (tree / "simple").string(); }

/// Resolves a snapshot closure on file:// with one and two workers (byte-identical, valid),
/// then through nginx cold and warm (the warm run makes no request at all).
void resolve_everywhere(const std::string& name, std::size_t min_pins, bool expect_io_loads) {
  const snapshot_fixture f = snapshot_tree(name);
  const auto reqs = read_requirements(f.requirements);
  t::temp_dir tmp;

  const outcome one = resolve_with(file_url(f.tree), reqs, {1, {}, {}});
  INFO(one.explanation);
  REQUIRE(one.ok);
  CHECK(static_cast<std::size_t>(std::count(one.pins.begin(), one.pins.end(), '\n')) >= min_pins);
  CHECK(one.files_known);
  CHECK(one.provider.projects > 0);
  CHECK(one.provider.metadata > 0);
  CHECK(one.http.requests == 0);
  CHECK(one.provider.io_loads == 0);  // file:// is read without the network, on the workers
  CHECK(one.provider.io_threads == 0);
  // Every load at most once: the cached index fetched each page and metadata file once (some
  // of the snapshot's metadata does not parse: fetched, then a failed load).
  CHECK(one.cache.fetched == one.provider.projects);
  CHECK(one.cache.metadata_fetched == one.provider.metadata + one.provider.metadata_errors);
  CHECK(peers_reject(f, one.pins, tmp.path) == "");

  const outcome two = resolve_with(file_url(f.tree), reqs, {2, {}, {}});
  CHECK(two.pins == one.pins);
  CHECK(two.cache.fetched == two.provider.projects);

  t::nginx_server nginx(f.tree);
  REQUIRE(nginx.ok());
  const std::string url = nginx.base_url() + "/simple";
  const fs::path cache_root = tmp.path / "cache";
  const outcome cold = resolve_with(url, reqs, {2, cache_root, {}});
  CHECK(cold.pins == one.pins);
  CHECK(cold.files_known);
  CHECK(cold.http.requests == cold.cache.fetched + cold.cache.metadata_fetched);
  CHECK(cold.cache.fetched == cold.provider.projects);
  // A worker's load that needs HTTP went to an I/O thread; the solver's own block it. Which
  // loads a worker takes first is timing: on a small closure the solver may run them all (the
  // test below makes a worker take one), but not on a large one.
  CHECK(cold.provider.io_threads <= cold.provider.io_loads);
  CHECK(cold.provider.io_threads <= pr::index_provider_options{}.io_threads);
  if (expect_io_loads) {
    CHECK(cold.provider.io_loads >= 1);
    CHECK(cold.provider.io_threads >= 1);
  }
  MESSAGE(name << " cold on nginx, 2 workers: " << cold.provider.projects << " pages, "
               << cold.provider.metadata << " metadata, " << cold.provider.prefetched << " loads prefetched, "
               << cold.provider.solver_waits << " solver waits ("
               << cold.provider.wait_time.count() / 1'000'000 << " ms), load time "
               << cold.provider.load_time.count() / 1'000'000 << " ms summed, " << cold.provider.io_loads
               << " loads on " << cold.provider.io_threads << " I/O threads, " << cold.provider.solver_loads
               << " loads run by the solver");
  const std::size_t after_cold = nginx.requests();
  CHECK(after_cold > 0);

  const outcome warm = resolve_with(url, reqs, {1, cache_root, {}});
  CHECK(warm.pins == one.pins);
  CHECK(warm.http.requests == 0);
  CHECK(warm.cache.fetched == 0);
  CHECK(warm.cache.metadata_fetched == 0);
  CHECK(warm.cache.fresh_hits == warm.provider.projects);
  CHECK(warm.provider.io_loads == 0);  // every load answered from the cache on a worker
  CHECK(warm.provider.io_threads == 0);
  CHECK(nginx.requests() == after_cold);
}

/// A make-index tree of a universe, served as file://.
struct universe_tree {
  t::temp_dir tmp;
  std::string url;
  explicit universe_tree(const std::string& json) {
    REQUIRE(t::make_index_universe(tmp.path, json));
    url = file_url(tmp.path / "idx");
  }
};

outcome resolve_text(const std::string& url, std::initializer_list<const char*> reqs, run_options o = {}) {
  std::vector<packaging::requirement> parsed;
  for (const char* r : reqs) parsed.push_back(*packaging::requirement::parse(r));
  return resolve_with(url, parsed, o);
}

}  // namespace

TEST_CASE("black.in from the snapshot: file:// on 1 and 2 workers, nginx cold then warm, all identical") {
  resolve_everywhere("black", 5, false);
}

TEST_CASE("jupyter.in from the snapshot: file:// on 1 and 2 workers, nginx cold then warm, all identical") {
  resolve_everywhere("jupyter", 60, true);
}

TEST_CASE("a load a worker cannot answer from the cache runs on an I/O thread; warm, none starts") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {"a": {"1.0": {}}}})"));
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  const fs::path cache_root = tmp.path / "cache";
  pr::index_provider_options popts;
  popts.environment = target();
  popts.threads = 1;
  popts.io_threads = 4;
  const auto prefetched = [&](pr::index_provider& source) {
    // Nobody asks for "a", so the solver never runs its load: a worker's task does.
    source.prefetch("a");
    // The page's load prefetches the metadata of a 1.0, which nobody asks for either.
    for (int i = 0; i < 500 && source.stats().metadata + source.stats().metadata_errors == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return source.stats();
  };
  {
    front_end fe(nginx.base_url() + "/simple", cache_root);
    pr::index_provider source(*fe.front, popts);
    const auto cold = prefetched(source);
    CHECK(cold.projects == 1);
    CHECK(cold.metadata == 1);
    CHECK(cold.solver_loads == 0);
    CHECK(cold.io_loads == 2);  // the page, then the metadata of a 1.0 it prefetched
    CHECK(cold.io_threads >= 1);
    CHECK(cold.io_threads <= 2);
    CHECK(fe.http.stats().requests == 2);
    CHECK(source.files("a", *packaging::version::parse("1.0")) != nullptr);
  }
  const std::size_t after_cold = nginx.requests();
  front_end fe(nginx.base_url() + "/simple", cache_root);
  pr::index_provider source(*fe.front, popts);
  const auto warm = prefetched(source);
  CHECK(warm.projects == 1);
  CHECK(warm.metadata == 1);
  CHECK(warm.io_loads == 0);
  CHECK(warm.io_threads == 0);
  CHECK(fe.http.stats().requests == 0);
  CHECK(nginx.requests() == after_cold);
}

TEST_CASE("a small universe over HTTP cold with many loads on I/O threads, then warm: the same pins") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b", "c", "d"]}, "2.0": {"requires_dist": ["b<2", "c", "d", "e"]}},
    "b": {"1.0": {}, "1.5": {}, "2.0": {}},
    "c": {"1.0": {"requires_dist": ["e>=2"]}, "2.0": {"requires_dist": ["e>=3"]}},
    "d": {"1.0": {}, "3.0": {"requires_dist": ["e<3"]}},
    "e": {"1.0": {}, "2.0": {}, "3.0": {}}}})"));
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  const std::string url = nginx.base_url() + "/simple";
  const fs::path cache_root = tmp.path / "cache";
  const outcome file = resolve_text(file_url(tmp.path / "idx"), {"a", "b", "c", "d", "e"}, {2, {}, {}});
  INFO(file.explanation);
  REQUIRE(file.ok);
  const outcome cold = resolve_text(url, {"a", "b", "c", "d", "e"}, {2, cache_root, {}});
  CHECK(cold.pins == file.pins);
  CHECK(cold.files_known);
  CHECK(cold.http.requests > 0);
  CHECK(cold.provider.io_threads <= cold.provider.io_loads);
  const outcome warm = resolve_text(url, {"a", "b", "c", "d", "e"}, {2, cache_root, {}});
  CHECK(warm.pins == file.pins);
  CHECK(warm.http.requests == 0);
  CHECK(warm.provider.io_loads == 0);
  CHECK(warm.provider.io_threads == 0);
}

TEST_CASE(
    "universal: forks solved at once over one provider, cold on nginx and warm, at 1, 2 and 8 threads") {
  // Splits by platform and by Python, every fork reading the same projects: the solver threads
  // share the provider's loads (one load each, whoever asks first), cold through I/O threads.
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {
    "app": {"1.0": {"requires_dist": ["lib>=2 ; sys_platform == 'linux'", "lib<2 ; sys_platform == 'darwin'",
                                      "lib<3 ; sys_platform == 'win32'", "shared", "tool"]}},
    "lib": {"1.0": {"requires_dist": ["shared<3"]}, "2.0": {"requires_dist": ["shared"]},
            "3.0": {"requires_dist": ["shared>=2", "leaf"]}},
    "shared": {"1.0": {}, "2.0": {}, "3.0": {}},
    "tool": {"1.0": {"requires_dist": ["shared"]}, "2.0": {"requires_python": ">=3.10", "requires_dist": ["leaf"]}},
    "leaf": {"1.0": {}, "2.0": {}}}})"));
  const outcome one = resolve_text(file_url(tmp.path / "idx"), {"app"}, {1, {}, {}, true});
  INFO(one.explanation);
  REQUIRE(one.ok);
  CHECK(one.forks >= 4);
  CHECK(one.pins.find("lib==2.0 ; sys_platform == 'linux' or sys_platform == 'win32'\n") !=
        std::string::npos);
  CHECK(one.pins.find("lib==1.0 ; sys_platform == 'darwin'\n") != std::string::npos);
  CHECK(one.pins.find("tool==2.0 ; python_full_version >= '3.10'\n") != std::string::npos);
  for (unsigned threads : {2U, 8U}) {
    const outcome again = resolve_text(file_url(tmp.path / "idx"), {"app"}, {threads, {}, {}, true});
    CHECK(again.pins == one.pins);
    CHECK(again.cache.fetched == again.provider.projects);  // each page read once, by one solver
  }
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  const std::string url = nginx.base_url() + "/simple";
  const fs::path cache_root = tmp.path / "cache";
  const outcome cold = resolve_text(url, {"app"}, {8, cache_root, {}, true});
  CHECK(cold.pins == one.pins);
  CHECK(cold.http.requests == cold.cache.fetched + cold.cache.metadata_fetched);
  const outcome warm = resolve_text(url, {"app"}, {2, cache_root, {}, true});
  CHECK(warm.pins == one.pins);
  CHECK(warm.http.requests == 0);
}

TEST_CASE(
    "a prefetch still in flight when the solver returns: its request is counted by the client, and by the "
    "cache once the provider settles") {
  // The page's load prefetches a 2.0 (the newest), which "a<2" never needs. A 1.0's metadata
  // comes in about 1 s, so the prefetch's request has started by then; a 2.0's takes about
  // 2 s, so it is still in flight when the solver is done.
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {"a": {"1.0": {}, "2.0": {}}}})"));
  auto srv = t::fault_server::with_rules(tmp.path / "idx", R"([
    {"path": "/files/a-1.0-py3-none-any.whl.metadata", "fault": "slow", "chunk": 4, "delay": 0.1},
    {"path": "/files/a-2.0-py3-none-any.whl.metadata", "fault": "slow", "chunk": 4, "delay": 0.2}])",
                                         tmp.path);
  REQUIRE(srv.ok());
  const std::string url = srv.base_url() + "/simple";
  {
    front_end fe(url, tmp.path / "cache");
    pr::index_provider source(*fe.front, provider_options(2));
    pr::resolve_options ropts;
    ropts.environment = target();
    const std::vector<packaging::requirement> reqs{*packaging::requirement::parse("a<2")};
    REQUIRE(pr::resolve(reqs, ropts, source));
    CHECK(fe.http.stats().requests == 3);  // the page, a 1.0's metadata, a 2.0's
    CHECK(fe.front->stats().fetched == 1);
    CHECK(fe.front->stats().metadata_fetched == 1);  // a 2.0's answer has not come yet
    source.settle();
    CHECK(fe.http.stats().requests == 3);
    CHECK(fe.front->stats().fetched == 1);
    CHECK(fe.front->stats().metadata_fetched == 2);
    CHECK(source.stats().metadata == 2);
  }
  // `resolve_with` reads the counters of a settled provider: one request per page or
  // metadata fetched, the prefetch included.
  const outcome cold = resolve_text(url, {"a<2"}, {2, tmp.path / "cache-2", {}});
  CHECK(cold.pins == "a==1.0\n");
  CHECK(cold.http.requests == 3);
  CHECK(cold.http.requests == cold.cache.fetched + cold.cache.metadata_fetched);
}

TEST_CASE("a missing project: errc::not_found naming the project and the index; the solver explains") {
  universe_tree u(R"({"packages": {"a": {"1.0": {"requires_dist": ["ghost>=1"]}}}})");
  {
    front_end fe(u.url);
    pr::index_provider source(*fe.front, {});
    auto got = source.versions("Ghost");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == errc::not_found);
    CHECK(got.error().message.find("'ghost'") != std::string::npos);
    CHECK(got.error().message.find(u.url) != std::string::npos);
    CHECK(source.index_url("ghost").empty());
    CHECK(source.files("ghost", *packaging::version::parse("1.0")) == nullptr);
  }
  const outcome r = resolve_text(u.url, {"a"});
  REQUIRE_FALSE(r.ok);
  CHECK(r.explanation.find("ghost") != std::string::npos);
}

TEST_CASE(
    "broken metadata: bytes the index did not promise end the resolve, bytes that do not parse make "
    "that version unusable; the reason is named") {
  universe_tree u(R"({"packages": {"a": {"1.0": {}, "2.0": {"requires_dist": ["b"]}}, "b": {"1.0": {}}}})");
  const fs::path idx = u.tmp.path / "idx";
  const std::string broken = "Metadata-Version: 2.1\nName: a\nVersion: 2.0\nRequires-Dist: b (>>=1\n";
  const std::string good_hash = index::sha256_hex(t::slurp(idx / "files/a-2.0-py3-none-any.whl.metadata"));
  fs::remove(idx / "files/a-2.0-py3-none-any.whl.metadata");
  t::spit(idx / "files/a-2.0-py3-none-any.whl.metadata", broken);

  SUBCASE("bytes that do not match the advertised sha256") {
    // Not a verdict on 2.0 (the bytes may be damaged in transit): no answer without it.
    for (const char* requirement : {"a", "a>=2"}) {
      const outcome r = resolve_text(u.url, {requirement});
      REQUIRE_FALSE(r.ok);
      CHECK(r.explanation.find("a-2.0-py3-none-any.whl") != std::string::npos);
      CHECK(r.explanation.find("sha256 mismatch") != std::string::npos);
    }
  }
  SUBCASE("advertised bytes that do not parse") {
    for (const char* page : {"simple/a/index.json", "simple/a/index.html"}) {
      std::string text = t::slurp(idx / page);
      for (auto p = text.find(good_hash); p != std::string::npos; p = text.find(good_hash, p))
        text.replace(p, good_hash.size(), index::sha256_hex(broken));
      t::spit(idx / page, text);
    }
    const outcome pinned = resolve_text(u.url, {"a>=2"});
    REQUIRE_FALSE(pinned.ok);
    CHECK(pinned.explanation.find("metadata of a-2.0-py3-none-any.whl") != std::string::npos);
    CHECK(pinned.explanation.find("Requires-Dist") != std::string::npos);
    CHECK(resolve_text(u.url, {"a"}).pins == "a==1.0\n");
  }
}

TEST_CASE("--only-binary / --no-binary decide which files count") {
  // x 1.0: an sdist only; 2.0: a universal wheel; 3.0: a Windows wheel only. y 1.0: both.
  universe_tree u(R"({"packages": {
    "x": {"1.0": {"sdist": true, "wheels": []},
          "2.0": {"wheels": ["x-2.0-py3-none-any.whl"]},
          "3.0": {"wheels": ["x-3.0-cp311-cp311-win_amd64.whl"]}},
    "y": {"1.0": {"sdist": true, "wheels": ["y-1.0-py3-none-any.whl"]}}}})");
  auto only = [](bool all, std::vector<std::string> names) {
    pr::binary_policy p;
    p.only_binary_all = all;
    p.only_binary = std::move(names);
    return p;
  };
  auto no = [](bool all, std::vector<std::string> names) {
    pr::binary_policy p;
    p.no_binary_all = all;
    p.no_binary = std::move(names);
    return p;
  };
  CHECK(resolve_text(u.url, {"x"}).pins == "x==2.0\n");  // 3.0 has no wheel for Linux
  CHECK(resolve_text(u.url, {"x"}, {1, {}, only(true, {})}).pins == "x==2.0\n");
  CHECK(resolve_text(u.url, {"x"}, {1, {}, no(true, {})}).pins == "x==1.0\n");
  CHECK(resolve_text(u.url, {"x"}, {1, {}, no(false, {"x"})}).pins == "x==1.0\n");
  // A per-project option wins over the other option's :all:.
  auto both = no(true, {});
  both.only_binary = {"x"};
  CHECK(resolve_text(u.url, {"x"}, {1, {}, both}).pins == "x==2.0\n");
  const outcome none = resolve_text(u.url, {"x<2"}, {1, {}, only(false, {"x"})});
  REQUIRE_FALSE(none.ok);
  CHECK(none.explanation.find("no compatible wheel or sdist") != std::string::npos);
  // y 1.0 has both kinds; either policy keeps it.
  CHECK(resolve_text(u.url, {"y"}, {1, {}, no(true, {})}).pins == "y==1.0\n");
  CHECK(resolve_text(u.url, {"y"}, {1, {}, only(true, {})}).pins == "y==1.0\n");

  front_end fe(u.url);
  pr::index_provider source(*fe.front, provider_options());
  auto xs = source.versions("x");
  REQUIRE(xs);
  REQUIRE(xs->size() == 3);
  CHECK((*xs)[0].has_compatible_dist);
  CHECK((*xs)[1].has_compatible_dist);
  CHECK_FALSE((*xs)[2].has_compatible_dist);
  CHECK(source.index_url("x") == u.url);
  const auto* files = source.files("x", (*xs)[1].version);
  REQUIRE(files);
  REQUIRE(files->files.size() == 1);
  CHECK(files->files[0].file.filename == "x-2.0-py3-none-any.whl");
}

TEST_CASE("yanked versions and Requires-Python are flagged per version") {
  universe_tree u(R"({"packages": {"a": {
    "1.0": {"requires_python": ">=3.8"},
    "2.0": {"yanked": "broken"},
    "3.0": {"requires_python": ">=3.12"}}}})");
  front_end fe(u.url);
  pr::index_provider source(*fe.front, provider_options(2));
  source.prefetch("a");
  source.prefetch("A");  // the same load: deduplicated
  auto got = source.versions("a");
  REQUIRE(got);
  REQUIRE(got->size() == 3);
  CHECK((*got)[0].requires_python_ok);
  CHECK_FALSE((*got)[0].yanked);
  CHECK((*got)[1].yanked);
  CHECK_FALSE((*got)[2].requires_python_ok);
  auto deps = source.dependencies("a", (*got)[0].version);
  REQUIRE(deps);
  CHECK(deps->empty());
  CHECK(source.stats().projects == 1);
  CHECK(source.stats().prefetched >= 1);
  CHECK(fe.front->stats().fetched == 1);
  auto missing = source.dependencies("a", *packaging::version::parse("9"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("a 9") != std::string::npos);
  CHECK(resolve_text(u.url, {"a"}).pins == "a==1.0\n");
  CHECK(resolve_text(u.url, {"a==2.0"}).pins == "a==2.0\n");  // yanked, but pinned
}

TEST_CASE(
    "served faults: a metadata 404 ends the resolve, an invalid page makes that project unusable; "
    "each names its URL") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {
    "a": {"1.0": {}, "2.0": {"requires_dist": ["b"]}, "3.0": {"requires_dist": ["c"]}},
    "b": {"1.0": {}}, "c": {"1.0": {}}}})"));
  auto srv = t::fault_server::with_rules(tmp.path / "idx", R"([
    {"path": "/files/a-2.0-py3-none-any.whl.metadata", "fault": "status", "status": 404},
    {"path": "/simple/c/", "fault": "invalid"}])",
                                         tmp.path);
  REQUIRE(srv.ok());
  const std::string url = srv.base_url() + "/simple";
  for (unsigned threads : {1U, 2U}) {
    CAPTURE(threads);
    // a 3.0 needs c, whose page is invalid: unusable. a 2.0's metadata cannot be read: the
    // resolve stops there rather than answer a 1.0.
    const outcome any = resolve_text(url, {"a"}, {threads, {}, {}});
    REQUIRE_FALSE(any.ok);
    CHECK(any.explanation.find("a-2.0-py3-none-any.whl") != std::string::npos);
    CHECK(any.explanation.find("404") != std::string::npos);
    const outcome three = resolve_text(url, {"a==3.0"}, {threads, {}, {}});
    REQUIRE_FALSE(three.ok);
    CHECK(three.explanation.find("versions of c could not be read (" + url + "/c/: invalid JSON page") !=
          std::string::npos);
  }
  // An unreadable project is also a warning through the injected sink.
  std::vector<std::string> warnings;
  front_end fe(url);
  pr::index_provider_options popts;
  popts.log = [&](log_level level, std::string_view message) {
    if (level == log_level::warning) warnings.emplace_back(message);
  };
  pr::index_provider source(*fe.front, popts);
  CHECK_FALSE(source.versions("c"));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find(url + "/c/") != std::string::npos);
}

TEST_CASE(
    "a cached page whose file record is malformed behind a valid checksum: the resolve stops, naming "
    "it") {
  universe_tree u(R"({"packages": {"a": {"1.0": {}, "2.0": {}}}})");
  t::temp_dir cache_dir;
  run_options o;
  o.cache_root = cache_dir.path;
  REQUIRE(resolve_text(u.url, {"a"}, o).pins == "a==2.0\n");

  // Make 2.0's only file record run past the payload (its filename length is its first
  // field), then reseal the entry: only a record read can notice.
  fs::path page;
  {
    pc::cache_options copts;
    copts.root = cache_dir.path;
    auto store = pc::cache::open(copts);
    REQUIRE(store);
    page = (*store)->simple_path(u.url, "a");
  }
  std::string bytes = t::slurp(page);
  auto view = pc::page_view::load(bytes, page.string());
  REQUIRE(view);
  const auto v2 = view->find(*packaging::version::parse("2.0"));
  REQUIRE(v2);
  REQUIRE(view->files(*v2).size() == 1);
  const std::uint32_t record = view->files(*v2)[0].record;
  constexpr std::size_t header = 32;
  const std::uint32_t past_the_end = 0xFFFFFF00U;
  std::memcpy(bytes.data() + header + record, &past_the_end, 4);
  const std::uint64_t length = bytes.size() - header, sum = XXH3_64bits(bytes.data() + header, length);
  std::memcpy(bytes.data() + 16, &length, 8);
  std::memcpy(bytes.data() + 24, &sum, 8);
  REQUIRE(pc::page_view::load(bytes, "resealed"));  // the tables are whole: it loads
  fs::remove(page);
  t::spit(page, bytes);

  // No metadata fetch from an empty URL, and no answer that leaves 2.0 out for it.
  for (const char* requirement : {"a", "a>=2"}) {
    const outcome r = resolve_text(u.url, {requirement}, o);
    REQUIRE_FALSE(r.ok);
    CHECK(r.explanation.find("corrupt cache entry: a malformed file record") != std::string::npos);
  }

  // The file list of 2.0 (what --generate-hashes and pylock.toml read) leaves it out rather
  // than listing a file with no name, URL or hash.
  front_end fe(u.url, cache_dir.path);
  pr::index_provider source(*fe.front, provider_options());
  const auto two = *packaging::version::parse("2.0");
  const auto deps = source.dependencies("a", two);
  REQUIRE_FALSE(deps);
  CHECK(deps.error().message.find("malformed file record") != std::string::npos);
  const index::version_entry* files = source.files("a", two);
  REQUIRE(files != nullptr);
  CHECK(files->files.empty());
  const index::version_entry* one = source.files("a", *packaging::version::parse("1.0"));
  REQUIRE(one != nullptr);
  REQUIRE(one->files.size() == 1);
  CHECK_FALSE(one->files[0].file.url.empty());
}

TEST_CASE("settle() does the destructor's work up front: the cache is complete, the teardown adds nothing") {
  // bin/resolve settles the provider, writes nothing more, and may end the process without
  // the teardown: the next run must still find every entry a destructor would have stored.
  const snapshot_fixture f = snapshot_tree("jupyter");
  const auto reqs = read_requirements(f.requirements);
  t::temp_dir tmp;
  const fs::path cache_root = tmp.path / "cache";
  const std::string url = file_url(f.tree);
  pc::cached_index_stats settled;
  {
    front_end fe(url, cache_root);
    std::optional<pr::index_provider> source(std::in_place, *fe.front, provider_options(2));
    pr::resolve_options ropts;
    ropts.environment = target();
    REQUIRE(pr::resolve(reqs, ropts, *source));
    const auto before = fe.front->stats();
    source->settle();
    settled = fe.front->stats();
    CHECK(settled.fetched >= before.fetched);
    CHECK(settled.fetched == source->stats().projects);  // every page that was started, stored
    source->settle();                                    // once is enough: again, nothing
    CHECK(fe.front->stats().fetched == settled.fetched);
    CHECK(fe.front->stats().metadata_fetched == settled.metadata_fetched);
    source.reset();
    CHECK(fe.front->stats().fetched == settled.fetched);
    CHECK(fe.front->stats().metadata_fetched == settled.metadata_fetched);
  }
  const outcome warm = resolve_with(url, reqs, {1, cache_root, {}});
  REQUIRE(warm.ok);
  CHECK(warm.cache.fetched == 0);
  CHECK(warm.cache.metadata_fetched == 0);
}

TEST_CASE(
    "a warm load reads a version's requirements without those that need an extra; an extra reads them all") {
  universe_tree u(R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b", "c; extra == \"x\"", "d; python_version >= \"3\" and extra == \"y\""]}},
    "b": {"1.0": {}}, "c": {"1.0": {}}, "d": {"1.0": {}}}})");
  t::temp_dir tmp;
  const fs::path cache_root = tmp.path / "cache";
  CHECK(resolve_text(u.url, {"a"}, {1, cache_root, {}}).pins == "a==1.0\nb==1.0\n");  // cold: fills the cache

  front_end fe(u.url, cache_root);
  pr::index_provider source(*fe.front, provider_options());
  auto got = source.versions("a");
  REQUIRE(got);
  REQUIRE(got->size() == 1);
  const auto& v = (*got)[0].version;
  auto base = source.dependencies_without_extra_only("a", v);
  REQUIRE(base);
  REQUIRE(base->size() == 1);
  CHECK((*base)[0].name == "b");
  auto all = source.dependencies("a", v);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].name == "b");
  CHECK((*all)[1].name == "c");
  CHECK((*all)[2].name == "d");
  CHECK(fe.front->stats().metadata_fetched == 0);  // both from the cache entry
  CHECK(fe.front->stats().metadata_hits == 2);     // read once per scope

  // Through the solver, warm: the extras still bring their requirements.
  CHECK(resolve_text(u.url, {"a[x]"}, {1, cache_root, {}}).pins == "a==1.0\nb==1.0\nc==1.0\n");
  CHECK(resolve_text(u.url, {"a[x,y]"}, {2, cache_root, {}}).pins == "a==1.0\nb==1.0\nc==1.0\nd==1.0\n");
  CHECK(resolve_text(u.url, {"a"}, {2, cache_root, {}}).pins == "a==1.0\nb==1.0\n");
}

TEST_CASE(
    "metadata that cannot be read is errc::io_error naming it, not an unusable version; another project's "
    "metadata is unusable") {
  universe_tree u(R"({"packages": {"a": {"1.0": {}, "2.0": {"requires_dist": ["b"]}}, "b": {"1.0": {}}}})");
  t::temp_dir cache_dir;
  run_options o;
  o.cache_root = cache_dir.path;
  REQUIRE(resolve_text(u.url, {"a"}, o).pins == "a==2.0\nb==1.0\n");
  const auto two = *packaging::version::parse("2.0");

  SUBCASE("offline, the entry of 2.0 is missing") {
    fs::path entry;
    {
      front_end fe(u.url, cache_dir.path);
      pr::index_provider source(*fe.front, provider_options());
      REQUIRE(source.versions("a"));
      const index::version_entry* files = source.files("a", two);
      REQUIRE(files != nullptr);
      entry = fe.store->metadata_path("a", files->files.at(0).file);
    }
    REQUIRE(fs::remove(entry));
    pc::cache_options copts;
    copts.root = cache_dir.path;
    copts.offline = true;
    auto store = pc::cache::open(copts);
    REQUIRE(store);
    index::http_client http;
    index::index_client client{http};
    pc::cached_index front(**store, client, index::index_locations{u.url, {}, false});
    pr::index_provider source(front, provider_options());
    REQUIRE(source.versions("a"));
    const auto deps = source.dependencies("a", two);
    REQUIRE_FALSE(deps);
    CHECK(deps.error().code == errc::io_error);  // no verdict on 2.0: the CLI ends the run
    CHECK(deps.error().message.find("a-2.0-py3-none-any.whl") != std::string::npos);
    CHECK(deps.error().message.find("not in the cache") != std::string::npos);
    CHECK(deps.error().message.find(entry.string()) != std::string::npos);
  }
  SUBCASE("the metadata of a 2.0 names another project") {
    const fs::path idx = u.tmp.path / "idx";
    const fs::path file = idx / "files/a-2.0-py3-none-any.whl.metadata";
    const std::string good_hash = index::sha256_hex(t::slurp(file));
    const std::string other = "Metadata-Version: 2.1\nName: zzz\nVersion: 2.0\n";
    fs::remove(file);
    t::spit(file, other);
    for (const char* page : {"simple/a/index.json", "simple/a/index.html"}) {
      std::string text = t::slurp(idx / page);
      for (auto p = text.find(good_hash); p != std::string::npos; p = text.find(good_hash, p))
        text.replace(p, good_hash.size(), index::sha256_hex(other));
      t::spit(idx / page, text);
    }
    const outcome r = resolve_text(u.url, {"a"});
    CHECK(r.pins == "a==1.0\n");
    const outcome pinned = resolve_text(u.url, {"a>=2"});
    REQUIRE_FALSE(pinned.ok);
    CHECK(pinned.explanation.find("is for project 'zzz', not 'a'") != std::string::npos);
  }
}

TEST_CASE(
    "upload cutoffs: files at or after it, and files without an upload time, are gone; per-project ones "
    "win") {
  universe_tree u(R"({"packages": {
    "a": {"1.0": {"upload_time": "2020-01-01T00:00:00Z"}, "2.0": {"upload_time": "2021-01-01T00:00:00Z"},
          "3.0": {"upload_time": "2022-01-01T00:00:00Z"}},
    "b": {"1.0": {}, "2.0": {}}}})");
  // b's page without its upload times, as an index without PEP 700 serves it.
  const fs::path page = u.tmp.path / "idx" / "simple" / "b" / "index.json";
  std::string text = t::slurp(page);
  for (auto at = text.find(",\"upload-time\":"); at != std::string::npos; at = text.find(",\"upload-time\":"))
    text.erase(at, text.find('"', text.find(':', at) + 2) + 1 - at);
  REQUIRE(text.find("upload-time") == std::string::npos);
  t::spit(page, text);
  const auto at = [](const char* when) { return *index::parse_rfc3339(when); };
  const auto cutoff = [&](std::optional<const char*> global,
                          std::vector<std::pair<std::string, std::int64_t>> packages = {}) {
    run_options o;
    if (global) o.exclude_newer.global = at(*global);
    o.exclude_newer.packages = std::move(packages);
    return o;
  };
  CHECK(resolve_text(u.url, {"a", "b"}).pins == "a==3.0\nb==2.0\n");
  CHECK(resolve_text(u.url, {"a"}, cutoff("2021-06-01T00:00:00Z")).pins == "a==2.0\n");
  CHECK(resolve_text(u.url, {"a"}, cutoff("2021-01-01T00:00:00Z")).pins == "a==1.0\n");  // at it: gone
  CHECK(
      resolve_text(u.url, {"a"}, cutoff("2020-06-01T00:00:00Z", {{"a", at("2030-01-01T00:00:00Z")}})).pins ==
      "a==3.0\n");
  CHECK(
      resolve_text(u.url, {"a"}, cutoff("2030-01-01T00:00:00Z", {{"a", at("2020-06-01T00:00:00Z")}})).pins ==
      "a==1.0\n");
  CHECK(resolve_text(u.url, {"a"}, cutoff(std::nullopt, {{"b", at("2000-01-01T00:00:00Z")}})).pins ==
        "a==3.0\n");
  // Nothing before the cutoff: no version at all, and the explanation says there is none.
  const outcome none = resolve_text(u.url, {"a"}, cutoff("2019-01-01T00:00:00Z"));
  REQUIRE_FALSE(none.ok);
  CHECK(none.explanation.find("no usable versions of a") != std::string::npos);
  // b's files have no time: under any cutoff they are not candidates, as uv leaves them out.
  CHECK_FALSE(resolve_text(u.url, {"b"}, cutoff("2030-01-01T00:00:00Z")).ok);
  CHECK(resolve_text(u.url, {"b"}, cutoff(std::nullopt, {{"a", at("2030-01-01T00:00:00Z")}})).pins ==
        "b==2.0\n");

  front_end fe(u.url);
  auto popts = provider_options();
  popts.exclude_newer.global = at("2021-06-01T00:00:00Z");
  std::vector<std::string> warnings;
  popts.log = [&](log_level level, std::string_view message) {
    if (level == log_level::warning) warnings.emplace_back(message);
  };
  pr::index_provider source(*fe.front, popts);
  auto as = source.versions("a");
  REQUIRE(as);
  REQUIRE(as->size() == 2);  // 3.0 is not listed
  CHECK((*as)[1].version.to_string() == "2.0");
  const auto* files = source.files("a", (*as)[1].version);
  REQUIRE(files);
  REQUIRE(files->files.size() == 1);
  CHECK(files->files[0].file.upload_time == at("2021-01-01T00:00:00Z"));
  auto bs = source.versions("b");
  REQUIRE(bs);
  CHECK(bs->empty());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("b: 2 file(s) have no upload time") != std::string::npos);
}
