// http_client's wait hook: how a blocking get() waits, so a task scheduler can park the task.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "pyresolve/index/index_client.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

TEST_CASE("get() waits through the installed hook, which is woken on the client's thread") {
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {"a": {"1.0": {}}}})"));
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  http_client http;
  index_client client(http);
  std::atomic<int> calls{0};
  std::atomic<bool> woken_elsewhere{false};
  const auto caller = std::this_thread::get_id();
  auto previous = http.set_wait_hook([&](const auto& start) {
    ++calls;
    // Shared: set_value may still be returning on the client's thread when wait() does.
    auto woken = std::make_shared<std::promise<void>>();
    auto ready = woken->get_future();
    start([&, woken] {
      woken_elsewhere = std::this_thread::get_id() != caller;
      woken->set_value();
    });
    ready.wait();
  });
  CHECK_FALSE(previous);  // none was installed
  auto page = client.fetch_page(nginx.base_url() + "/simple", "a");
  REQUIRE(page);
  CHECK(page->status == page_response::status_kind::ok);
  CHECK(calls == 1);
  CHECK(woken_elsewhere);
  auto missing = client.fetch_page(nginx.base_url() + "/simple", "nothing-here");
  REQUIRE(missing);
  CHECK(missing->status == page_response::status_kind::not_found);
  CHECK(calls == 2);

  auto removed = http.set_wait_hook({});
  CHECK(static_cast<bool>(removed));  // the hook above, handed back
  REQUIRE(client.fetch_page(nginx.base_url() + "/simple", "a"));
  CHECK(calls == 2);  // the default wait again
}
