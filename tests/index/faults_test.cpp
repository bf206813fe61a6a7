#include <doctest/doctest.h>

#include <chrono>

#include "pyresolve/index/index_client.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

TEST_CASE("fault server: transient faults are retried to success, others are clear errors") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(
      tmp.path, R"({"packages": {"a": {"1.0": {"requires_dist": ["b"]}}, "b": {"1.0": {}}}})",
      "--with-wheels"));
  const char* names[] = {"e503",   "a503",    "e404",  "e429",  "stall", "slow", "trunc",
                         "atrunc", "invalid", "wrong", "redir", "reset", "e500"};
  for (const char* n : names)
    std::filesystem::copy(tmp.path / "idx/simple/a", tmp.path / "idx/simple" / n,
                          std::filesystem::copy_options::recursive);
  auto srv = t::fault_server::with_rules(tmp.path / "idx", R"([
    {"path": "/simple/e503/", "fault": "status", "status": 503, "times": 2},
    {"path": "/simple/a503/", "fault": "status", "status": 503},
    {"path": "/simple/e500/", "fault": "status", "status": 500, "times": 1},
    {"path": "/simple/e404/", "fault": "status", "status": 404},
    {"path": "/simple/e429/", "fault": "429", "retry_after": 1, "times": 1},
    {"path": "/simple/stall/", "fault": "stall", "delay": 5, "times": 1},
    {"path": "/simple/slow/", "fault": "slow", "chunk": 200, "delay": 0.05},
    {"path": "/simple/trunc/", "fault": "truncate", "times": 1},
    {"path": "/simple/atrunc/", "fault": "truncate"},
    {"path": "/simple/invalid/", "fault": "invalid"},
    {"path": "/simple/wrong/", "fault": "wrong-type", "content_type": "text/plain"},
    {"path": "/simple/redir/", "fault": "redirect", "location": "/simple/a/"},
    {"path": "/simple/reset/", "fault": "reset", "times": 1}])",
                                         tmp.path);
  REQUIRE(srv.ok());
  client_options o;
  o.backoff_base = std::chrono::milliseconds(20);
  o.low_speed_time = std::chrono::seconds(2);
  o.low_speed_limit = 100;
  o.max_retries = 3;
  http_client http(o);
  index_client client(http);
  // Credentials in the index URL must never show up in errors.
  std::string index = "http://user:s3cret@127.0.0.1:" + std::to_string(srv.port()) + "/simple";
  auto page_of = [&](const char* name) -> result<project_page> {
    auto r = client.fetch_page(index, name);
    if (!r) return unexpected<error>{r.error()};
    if (r->status != page_response::status_kind::ok) return fail(errc::not_found, "not ok");
    return parse_page(*r);
  };
  auto expect_error = [&](const char* name, const char* cause) {
    auto r = page_of(name);
    REQUIRE_FALSE(r);
    auto text = r.error().to_string();
    INFO(text);
    CHECK(text.find(std::string("/simple/") + name + "/") != std::string::npos);
    CHECK(text.find(cause) != std::string::npos);
    CHECK(text.find("s3cret") == std::string::npos);
  };
  for (const char* ok : {"e503", "e500", "slow", "trunc", "redir", "reset"}) {
    INFO(ok);
    auto r = page_of(ok);
    REQUIRE(r);
    CHECK(r->files.size() == 1);
  }
  auto t0 = std::chrono::steady_clock::now();
  CHECK(page_of("e429"));
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(900));  // Retry-After: 1
  t0 = std::chrono::steady_clock::now();
  CHECK(page_of("stall"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));  // low-speed timeout, then retry
  expect_error("a503", "503");
  expect_error("atrunc", "request failed");
  expect_error("invalid", "invalid JSON");
  expect_error("wrong", "text/plain");
  auto nf = client.fetch_page(index, "e404");
  REQUIRE(nf);
  CHECK(nf->status == page_response::status_kind::not_found);
  CHECK(http.stats().retries >= 8);

  // The fault server ignores Range: the metadata comes from a full, hash-checked download.
  auto a = page_of("a");
  REQUIRE(a);
  dist_file f = a->files[0];
  f.has_metadata = false;
  auto md = client.fetch_metadata(f);
  REQUIRE(md);
  CHECK(md->requires_dist.size() == 1);
  f.sha256 = std::string(64, '0');
  auto bad = client.fetch_metadata(f);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("sha256") != std::string::npos);
  // A wrong PEP 658 hash is refused too.
  dist_file g = a->files[0];
  g.metadata_sha256 = std::string(64, '1');
  auto bad658 = client.fetch_metadata(g);
  REQUIRE_FALSE(bad658);
  CHECK(bad658.error().to_string().find(".metadata") != std::string::npos);

  // Connection refused: retried, then an error naming the URL.
  http_client quick(o);
  index_client closed(quick);
  auto refused = closed.fetch_page("http://127.0.0.1:1/simple", "x");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().source == "http://127.0.0.1:1/simple/x/");
}
