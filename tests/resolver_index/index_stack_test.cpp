// open_index_stack: the cache, the clients, the cached index and the provider from one options
// struct, resolving from a make-index tree over file://, cold then warm then offline; and the
// errors it gives as values (a cache folder that cannot be made, a project not in the cache
// offline).
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/resolver/index_stack.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
namespace pr = pyresolve::resolver;
namespace t = pyresolve::test;
namespace fs = std::filesystem;

namespace {

packaging::target_environment target() {
  return packaging::target_environment::create(packaging::python_version{3, 11, 7},
                                               packaging::target_platform{});
}

/// A make-index tree of a small universe, served as file://.
struct small_tree {
  t::temp_dir tmp;
  std::string url;
  small_tree() {
    REQUIRE(t::make_index_universe(
        tmp.path,
        R"({"packages": {"a": {"1.0": {}, "2.0": {"requires_dist": ["B>=1"]}}, "b": {"1.0": {}, "1.5": {}}}})"));
    url = "file://" + (tmp.path / "idx" / "simple").string();
  }
};

/// Stack options for `url` with the cache at `cache_dir`.
pr::index_stack_options options_for(const std::string& url, const fs::path& cache_dir) {
  pr::index_stack_options o;
  o.locations.index_url = url;
  o.cache_dir = cache_dir;
  o.environment = target();
  o.threads = 1;
  return o;
}

/// `name==version` lines of a resolve of `requirement` through `stack`, or its explanation.
std::string pins(pr::index_stack& stack, const char* requirement) {
  pr::resolve_options ropts;
  ropts.environment = target();
  const std::vector<packaging::requirement> roots{*packaging::requirement::parse(requirement)};
  auto got = pr::resolve(roots, ropts, stack.provider());
  if (!got) return "no solution: " + got.error().explanation;
  std::string out;
  for (const auto& p : got->packages) out += p.name + "==" + p.version.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("the defaults are the resolve command's: PyPI, the user's cache, the network, the process heap") {
  const pr::index_stack_options defaults;
  CHECK(defaults.locations.index_url == "https://pypi.org/simple");
  CHECK(defaults.locations.extra_index_urls.empty());
  CHECK_FALSE(defaults.locations.no_index);
  CHECK(defaults.cache_dir.empty());  // cache::default_cache_root() when opened
  CHECK_FALSE(defaults.no_cache);
  CHECK_FALSE(defaults.offline);
  CHECK(defaults.threads == 0);
  CHECK(defaults.memory == std::pmr::get_default_resource());
  CHECK(defaults.http.total_timeout == index::client_options{}.total_timeout);
  CHECK(defaults.http.max_body_size == index::client_options{}.max_body_size);
}

TEST_CASE("open_index_stack resolves over file://, fills the cache, then resolves warm and offline from it") {
  small_tree tree;
  const fs::path cache_dir = tree.tmp.path / "cache";

  int hook_calls = 0;
  std::mutex logged_mutex;
  std::vector<std::string> logged;
  {
    auto o = options_for(tree.url, cache_dir);
    o.before_provider = [&] { ++hook_calls; };
    o.log = [&](log_level level, std::string_view message) {
      if (level < log_level::warning) return;
      const std::lock_guard lock(logged_mutex);
      logged.emplace_back(message);
    };
    auto opened = pr::open_index_stack(std::move(o));
    REQUIRE(opened);
    pr::index_stack& stack = **opened;
    CHECK(hook_calls == 1);
    CHECK(stack.store().root() == cache_dir);
    CHECK(fs::exists(cache_dir / "CACHEDIR.TAG"));
    CHECK(stack.locations().index_url == tree.url);

    CHECK(pins(stack, "A") == "a==2.0\nb==1.5\n");
    // The provider answers for the pins, and the cached index read each page once.
    CHECK(stack.provider().index_url("b") == tree.url);
    CHECK(stack.provider().files("a", *packaging::version::parse("2.0")) != nullptr);
    stack.settle();
    const pr::index_stack_stats cold = stack.stats();
    CHECK(cold.http.requests == 0);  // file:// makes no HTTP request
    CHECK(cold.cache.fetched == 2);
    CHECK(cold.cache.fetched == cold.provider.projects);
    CHECK(cold.cache.fresh_hits == 0);
    CHECK(cold.provider.metadata >= 2);
  }
  CHECK(logged.empty());

  SUBCASE("warm: every page and metadata file from the cache") {
    auto opened = pr::open_index_stack(options_for(tree.url, cache_dir));
    REQUIRE(opened);
    CHECK(pins(**opened, "a") == "a==2.0\nb==1.5\n");
    const auto warm = (*opened)->stats();
    CHECK(warm.cache.fetched == 0);
    CHECK(warm.cache.metadata_fetched == 0);
    CHECK(warm.cache.metadata_hits >= 2);
    // A local page has no freshness lifetime: it is revalidated (and unchanged) every run.
    CHECK(warm.cache.fresh_hits + warm.cache.revalidated == 2);
  }
  SUBCASE("offline, with the index gone: the same answer from the cache alone") {
    fs::remove_all(tree.tmp.path / "idx");
    auto o = options_for(tree.url, cache_dir);
    o.offline = true;
    auto opened = pr::open_index_stack(std::move(o));
    REQUIRE(opened);
    CHECK(pins(**opened, "a<3") == "a==2.0\nb==1.5\n");
    CHECK((*opened)->stats().cache.fetched == 0);
  }
}

TEST_CASE(
    "open_index_stack fails as a value with the cache's own error when the cache folder cannot be made") {
  t::temp_dir tmp;
  const fs::path not_a_folder = tmp.path / "file";
  t::spit(not_a_folder, "x");
  const fs::path cache_dir = not_a_folder / "cache";

  int hook_calls = 0;
  auto o = options_for("file:///nowhere", cache_dir);
  o.before_provider = [&] { ++hook_calls; };
  auto opened = pr::open_index_stack(std::move(o));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == errc::io_error);
  CHECK(opened.error().to_string().find("cannot create the cache folder") != std::string::npos);
  CHECK(opened.error().to_string().find(cache_dir.string()) != std::string::npos);
  CHECK(hook_calls == 0);  // nothing was built past the cache

  // Word for word what cache::open says (what the resolve command prints after `error: `).
  cache::cache_options direct;
  direct.root = cache_dir;
  auto store = cache::cache::open(direct);
  REQUIRE_FALSE(store);
  CHECK(opened.error().to_string() == store.error().to_string());
}

TEST_CASE(
    "offline, a project not in the cache is errc::io_error through the provider, and the resolve ends") {
  small_tree tree;
  t::temp_dir empty_cache;
  auto o = options_for(tree.url, empty_cache.path);
  o.offline = true;
  auto opened = pr::open_index_stack(std::move(o));
  REQUIRE(opened);
  auto got = (*opened)->provider().versions("a");
  REQUIRE_FALSE(got);
  CHECK(got.error().code == errc::io_error);
  CHECK(got.error().message.find("offline: project 'a' is not in the cache") != std::string::npos);
  CHECK(got.error().message.find(tree.url) != std::string::npos);
  CHECK(pins(**opened, "a").starts_with("no solution: "));
  CHECK((*opened)->stats().cache.fetched == 0);
}
