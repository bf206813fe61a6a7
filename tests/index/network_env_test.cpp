// What curl users expect from the environment: http_proxy / HTTPS_PROXY / NO_PROXY,
// SSL_CERT_FILE, and credentials from ~/.netrc that never show up in errors or logs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <mutex>
#include <optional>

#include "pyresolve/index/index_client.hpp"
#include "support/log_capture.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

namespace {

const char* universe = R"({"packages": {"a": {"1.0": {}}, "b": {"1.0": {}}, "c": {"1.0": {}}}})";

/// Sets (or, with nullptr, unsets) an environment variable for a scope, then restores it.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~scoped_env() {
    if (m_old) {
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name.c_str());
    }
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  std::string m_name;
  std::optional<std::string> m_old;
};

/// No proxy or CA setting of the calling environment leaks into a test.
struct clean_network_env {
  scoped_env vars[8]{{"http_proxy", nullptr}, {"HTTPS_PROXY", nullptr},  {"https_proxy", nullptr},
                     {"ALL_PROXY", nullptr},  {"all_proxy", nullptr},    {"NO_PROXY", nullptr},
                     {"no_proxy", nullptr},   {"SSL_CERT_FILE", nullptr}};
};

result<page_response> fetch_ok(const std::string& index_url, const char* name,
                               const client_options& options = {}) {
  http_client http(options);
  index_client client(http);
  auto r = client.fetch_page(index_url, name);
  if (r && r->status != page_response::status_kind::ok) return fail(errc::not_found, "not ok");
  return r;
}

}  // namespace

TEST_CASE("http_proxy is used for plain http, and NO_PROXY bypasses it") {
  clean_network_env clean;
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe));
  t::nginx_server nginx(tmp.path / "idx");
  REQUIRE(nginx.ok());
  t::proxy_server proxy;
  REQUIRE(proxy.ok());
  const std::string index = nginx.base_url() + "/simple/";

  scoped_env via("http_proxy", proxy.base_url().c_str());
  REQUIRE(fetch_ok(index, "a"));
  const std::string via_proxy = "GET " + nginx.base_url() + "/simple/a/";
  CHECK(proxy.log_with(via_proxy).find(via_proxy) != std::string::npos);

  {
    scoped_env bypass("NO_PROXY", "127.0.0.1");
    REQUIRE(fetch_ok(index, "b"));
    CHECK(proxy.log().find("/simple/b/") == std::string::npos);
    CHECK(nginx.log_with("GET /simple/b/").find("GET /simple/b/") != std::string::npos);
  }
  // A proxy that is down is an error naming the URL, not a silent direct connection.
  t::proxy_server gone;
  REQUIRE(gone.ok());
  const std::string gone_url = gone.base_url();
  { t::proxy_server moved = std::move(gone); }  // stopped here
  scoped_env dead("http_proxy", gone_url.c_str());
  client_options quick;
  quick.max_retries = 0;
  auto r = fetch_ok(index, "c", quick);
  REQUIRE_FALSE(r);
  CHECK(r.error().source == index + "c/");
}

TEST_CASE("HTTPS: SSL_CERT_FILE names the CA, HTTPS_PROXY tunnels with CONNECT, NO_PROXY bypasses") {
  clean_network_env clean;
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe));
  const auto cert = tmp.path / "cert.pem", key = tmp.path / "key.pem";
  int rc = 0;
  auto out = t::run(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "
      "subjectAltName=IP:127.0.0.1 -keyout " +
          key.string() + " -out " + cert.string() + " 2>&1",
      &rc);
  INFO(out);
  REQUIRE(rc == 0);
  std::optional<t::nginx_server> nginx;
  {
    scoped_env c("NGINX_TLS_CERT", cert.c_str()), k("NGINX_TLS_KEY", key.c_str());
    nginx.emplace(tmp.path / "idx");
  }
  REQUIRE(nginx->ok());
  const std::string index = "https://127.0.0.1:" + std::to_string(nginx->port()) + "/simple/";

  // A self-signed server is refused until its certificate is the CA bundle.
  client_options quick;
  quick.max_retries = 0;
  auto refused = fetch_ok(index, "a", quick);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().source == index + "a/");

  scoped_env ca("SSL_CERT_FILE", cert.c_str());
  auto page = fetch_ok(index, "a");
  REQUIRE(page);
  CHECK(page->content_type == "application/vnd.pypi.simple.v1+json");

  t::proxy_server proxy;
  REQUIRE(proxy.ok());
  const std::string connect = "CONNECT 127.0.0.1:" + std::to_string(nginx->port());
  {
    scoped_env via("HTTPS_PROXY", proxy.base_url().c_str());
    REQUIRE(fetch_ok(index, "b"));
    CHECK(proxy.log_with(connect).find(connect) != std::string::npos);
    scoped_env bypass("NO_PROXY", "localhost,127.0.0.1");
    const auto tunnels = proxy.log().size();
    REQUIRE(fetch_ok(index, "c"));
    CHECK(proxy.log().size() == tunnels);
  }
  CHECK(nginx->log_with("GET /simple/c/").find("GET /simple/c/") != std::string::npos);
}

TEST_CASE("~/.netrc credentials are sent, and never appear in errors or logs") {
  clean_network_env clean;
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, universe));
  auto srv = t::fault_server::with_rules(
      tmp.path / "idx", R"([{"path_regex": "^/", "fault": "auth", "credentials": "alice:n3trc-s3cret"}])",
      tmp.path);
  REQUIRE(srv.ok());
  const std::string index = srv.base_url() + "/simple/";
  const auto home = tmp.path / "home";
  std::filesystem::create_directories(home);
  scoped_env h("HOME", home.c_str());
  pyresolve::test::log_capture logs;
  client_options o;
  o.max_retries = 1;
  o.backoff_base = std::chrono::milliseconds(10);
  o.log = logs.sink();

  // No .netrc: the server says 401 and the error names the URL.
  auto anonymous = fetch_ok(index, "a", o);
  REQUIRE_FALSE(anonymous);
  CHECK(anonymous.error().to_string().find("401") != std::string::npos);

  t::spit(home / ".netrc", "machine 127.0.0.1 login alice password n3trc-s3cret\n");
  auto page = fetch_ok(index, "a", o);
  REQUIRE(page);
  CHECK(page->url == index + "a/");  // the URL shown to users has no credentials

  // A wrong password: 401 again, and neither the wrong nor the right one is in the message.
  t::spit(home / ".netrc", "machine 127.0.0.1 login alice password wr0ng-s3cret\n");
  auto wrong = fetch_ok(index, "b", o);
  REQUIRE_FALSE(wrong);
  const auto text = wrong.error().to_string();
  INFO(text);
  CHECK(text.find(index + "b/") != std::string::npos);
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(logs.text().find("s3cret") == std::string::npos);
  // The server saw the authenticated request succeed and the others refused.
  const auto log = srv.log_with("GET\t/simple/b/\t401");
  CHECK(log.find("GET\t/simple/a/\t200") != std::string::npos);
  CHECK(log.find("GET\t/simple/b/\t401") != std::string::npos);
}
