#include <doctest/doctest.h>

#include <future>

#include "pyresolve/index/index_client.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

namespace {

const char* universe = R"({"packages": {
  "a": {"1.0": {"requires_dist": ["b>=1", "c; extra == 'x'"], "requires_python": ">=3.8"}, "2.0": {"yanked": "broken"}},
  "b": {"1.0": {}, "1.1": {"requires_dist": ["a"]}}}})";

client_options fast_options() {
  client_options o;
  o.backoff_base = std::chrono::milliseconds(20);
  o.low_speed_time = std::chrono::seconds(2);
  o.low_speed_limit = 100;
  o.connect_timeout = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace

TEST_CASE("nginx: JSON page, PEP 658 metadata with hash check, range-request metadata, many in flight") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe, "--with-wheels"));
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  http_client http(fast_options());
  index_client client(http);
  auto resp = client.fetch_page(nginx.base_url() + "/simple/", "a");
  REQUIRE(resp);
  CHECK(resp->content_type == "application/vnd.pypi.simple.v1+json");
  CHECK_FALSE(resp->headers.etag.empty());
  CHECK(resp->headers.cache_control == "max-age=600");
  auto page = parse_page(*resp);
  REQUIRE(page);
  auto map = build_version_map(*page, "a");
  REQUIRE(map.versions.size() == 2);
  const auto& f = map.versions[0].files[0].file;
  CHECK(f.has_metadata);
  auto md = client.fetch_metadata(f);
  REQUIRE(md);
  CHECK(md->requires_dist.size() == 2);
  CHECK(md->requires_dist[0].name == "b");

  // Without PEP 658: read METADATA from the wheel through range requests.
  auto before = nginx.requests();
  dist_file no658 = f;
  no658.has_metadata = false;
  auto ranged = client.fetch_metadata_text(no658);
  REQUIRE(ranged);
  CHECK(*ranged == t::slurp(tmp.path / "idx/files/a-1.0-py3-none-any.whl.metadata"));
  CHECK(nginx.requests() > before);
  auto log = nginx.log_with("\"GET /files/a-1.0-py3-none-any.whl HTTP/1.1\" 206");
  CHECK(log.find("\"GET /files/a-1.0-py3-none-any.whl HTTP/1.1\" 206") != std::string::npos);

  // Conditional request: the same ETag gives 304.
  cache_headers v{resp->headers.etag, resp->headers.last_modified, {}, {}, {}};
  auto again = client.fetch_page(nginx.base_url() + "/simple", "a", &v);
  REQUIRE(again);
  CHECK(again->status == page_response::status_kind::not_modified);

  auto missing = client.fetch_page(nginx.base_url() + "/simple/", "nope");
  REQUIRE(missing);
  CHECK(missing->status == page_response::status_kind::not_found);

  // Many transfers from many threads at once.
  std::vector<std::future<result<http_response>>> futures;
  for (int i = 0; i < 200; ++i)
    futures.push_back(http.fetch(
        http_request{nginx.base_url() + "/simple/" + (i % 2 ? "a/" : "b/"), {page_accept}, {}, {}, {}}));
  for (auto& fu : futures) {
    auto r = fu.get();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("HTML fallback when the server only has HTML; file:// indexes") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe, "--with-wheels"));
  std::filesystem::remove(tmp.path / "idx/simple/b/index.json");
  http_client http(fast_options());
  index_client client(http);
  auto file_url = "file://" + (tmp.path / "idx/simple").string();
  auto a = client.fetch_page(file_url, "a");
  REQUIRE(a);
  CHECK(a->content_type == "application/vnd.pypi.simple.v1+json");
  auto b = client.fetch_page(file_url, "b");
  REQUIRE(b);
  CHECK(b->content_type == "text/html");
  auto bp = parse_page(*b);
  REQUIRE(bp);
  REQUIRE(bp->files.size() == 2);
  CHECK(bp->files[0].url.starts_with("file://"));
  auto md = client.fetch_metadata(bp->files[1]);
  REQUIRE(md);
  CHECK(md->version.to_string() == "1.1");
  dist_file no658 = bp->files[1];
  no658.has_metadata = false;
  auto from_wheel = client.fetch_metadata(no658);
  REQUIRE(from_wheel);
  CHECK(from_wheel->requires_dist.size() == 1);
  auto none = client.fetch_page(file_url, "zzz");
  REQUIRE(none);
  CHECK(none->status == page_response::status_kind::not_found);
}
