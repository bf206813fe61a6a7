// The C++ test server helpers: each server starts, serves a small tree over plain HTTP, logs
// the request and is gone after its handle is destroyed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "test_servers.hpp"

namespace {

namespace fs = std::filesystem;

/// A minimal tree in the make-index layout (no make-index needed).
struct temp_tree {
  fs::path root = pyresolve::test::detail::make_temp_dir("pyresolve-tree");
  temp_tree() {
    fs::create_directories(root / "simple" / "pkga");
    std::ofstream(root / "simple" / "index.html") << "<a href=\"pkga/\">pkga</a>\n";
    std::ofstream(root / "simple" / "pkga" / "index.html") << "<html>pkga links</html>\n";
    std::ofstream(root / "simple" / "pkga" / "index.json")
        << R"({"meta":{"api-version":"1.1"},"name":"pkga","files":[]})"
           "\n";
  }
  ~temp_tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  temp_tree(const temp_tree&) = delete;
  temp_tree& operator=(const temp_tree&) = delete;
};

/// GET over a plain socket (HTTP/1.0, so the server closes and the whole answer is read).
std::string http_get(unsigned port, const std::string& path, const std::string& accept = "text/html") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: " + accept + "\r\n\r\n";
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("nginx_server serves a tree, negotiates JSON, logs, and stops by PID") {
  if (!fs::exists("/usr/sbin/nginx")) {
    MESSAGE("nginx not installed: skipped");
    return;
  }
  temp_tree tree;
  pid_t pid = 0;
  {
    auto server = pyresolve::test::nginx_server::start(tree.root);
    REQUIRE_MESSAGE(server.has_value(), (server ? "" : server.error().to_string()));
    pid = server->pid();
    CHECK(server->base_url() == "http://127.0.0.1:" + std::to_string(server->port()));
    const auto html = http_get(server->port(), "/simple/pkga/");
    CHECK(html.starts_with("HTTP/1.1 200"));
    CHECK(html.find("pkga links") != std::string::npos);
    const auto json = http_get(server->port(), "/simple/pkga/", "application/vnd.pypi.simple.v1+json");
    CHECK(json.find("application/vnd.pypi.simple.v1+json") != std::string::npos);
    CHECK(json.find("\"api-version\"") != std::string::npos);
    CHECK(http_get(server->port(), "/simple/absent/").starts_with("HTTP/1.1 404"));
    CHECK(read_all(server->log_path()).find("GET /simple/pkga/ HTTP/1.0\" 200") != std::string::npos);
  }
  CHECK_FALSE(alive(pid));
}

TEST_CASE("fault_server serves a tree, injects a fault, logs, and stops by PID") {
  temp_tree tree;
  const auto rules = tree.root / "rules.json";
  std::ofstream(rules) << R"([{"path": "/simple/broken/", "fault": "status", "status": 503}])";
  pid_t pid = 0;
  {
    auto server = pyresolve::test::fault_server::start(tree.root, rules);
    REQUIRE_MESSAGE(server.has_value(), (server ? "" : server.error().to_string()));
    pid = server->pid();
    CHECK(alive(pid));
    CHECK(http_get(server->port(), "/simple/pkga/").find("pkga links") != std::string::npos);
    CHECK(http_get(server->port(), "/simple/broken/").find(" 503 ") != std::string::npos);
    const auto log = read_all(server->log_path());
    CHECK(log.find("GET\t/simple/pkga/\t200") != std::string::npos);
    CHECK(log.find("GET\t/simple/broken/\t503") != std::string::npos);
  }
  CHECK_FALSE(alive(pid));
}
