// cached_index::index_url: which index a project was read from (uv's first-index rule).
#include <doctest/doctest.h>

#include "pyresolve/cache/cache.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
namespace pc = pyresolve::cache;
namespace t = pyresolve::test;

TEST_CASE("index_url names the index each project came from, extra indexes first") {
  t::temp_dir main_tree, extra_tree;
  REQUIRE(t::make_index_universe(main_tree.path, R"({"packages": {"a": {"1.0": {}}, "b": {"1.0": {}}}})"));
  REQUIRE(t::make_index_universe(extra_tree.path, R"({"packages": {"b": {"2.0": {}}}})"));
  const std::string main_url = "file://" + (main_tree.path / "idx/simple").string();
  const std::string extra_url = "file://" + (extra_tree.path / "idx/simple").string();
  pc::cache_options o;
  o.no_cache = true;
  auto store = pc::cache::open(o);
  REQUIRE(store);
  index::http_client http;
  index::index_client client(http);
  pc::cached_index front(**store, client, {main_url, {extra_url}, false});
  CHECK(front.index_url("a").empty());  // not read yet
  REQUIRE(front.project("a"));
  auto b = front.project("B");
  REQUIRE(b);
  REQUIRE((*b)->versions.size() == 1);
  CHECK((*b)->versions[0].version.to_string() == "2.0");
  CHECK(front.index_url("a") == main_url);
  CHECK(front.index_url("b") == extra_url);
  CHECK_FALSE(front.project("c"));
  CHECK(front.index_url("c").empty());
  CHECK(&front.client() == &client);
}
