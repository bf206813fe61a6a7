// What a hostile index can make the index module do: pages that point at local files or
// downgrade the scheme, filenames that are paths, credentials offered to another origin,
// responses without end, and pages that nest without end. Everything is an error value
// naming the URL, never a read, a leak, a crash or a hang.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "detail/html_depth.hpp"
#include "detail/http_callbacks.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

namespace {

std::string json_page_with(const std::string& filename, const std::string& url) {
  return R"({"meta":{"api-version":"1.1"},"name":"x","files":[{"filename":")" + filename + R"(","url":")" +
         url + R"(","hashes":{},"core-metadata":true}]})";
}

/// tests/servers/hostile_server.py, our child, stopped by its PID.
class hostile_server : public t::server_process {
 public:
  explicit hostile_server(const std::filesystem::path& planted) : server_process(true) {
    start_python("hostile_server.py", "pyresolve-cpp-hostile", [&](const std::filesystem::path& state) {
      return std::vector<std::string>{"--log", (state / "requests.log").string(), "--planted",
                                      planted.string()};
    });
  }
  [[nodiscard]] std::string log() const { return t::detail::slurp(m_state / "requests.log"); }
};

}  // namespace

TEST_CASE("pages may not point at local files or at a lower scheme") {
  const std::string passwd = "file:///etc/passwd-1.0-py3-none-any.whl";
  // A remote JSON page with a file: URL is an error naming the page, not a file to read.
  for (const char* page_url : {"http://u:secret@example.org/simple/x/", "https://example.org/simple/x/"}) {
    CAPTURE(page_url);
    auto page = parse_json_page(json_page_with("x-1.0-py3-none-any.whl", passwd), page_url);
    REQUIRE_FALSE(page);
    CHECK(page.error().source == redact_url(page_url));
    CHECK(page.error().message.find("file:///etc/passwd") != std::string::npos);
    CHECK(page.error().to_string().find("secret") == std::string::npos);
  }
  // https pages keep to https; http pages may go up.
  CHECK_FALSE(parse_json_page(json_page_with("x-1.0.tar.gz", "http://example.org/x-1.0.tar.gz"),
                              "https://example.org/simple/x/"));
  CHECK(parse_json_page(json_page_with("x-1.0.tar.gz", "https://cdn.example/x-1.0.tar.gz"),
                        "http://example.org/simple/x/"));
  CHECK_FALSE(parse_json_page(json_page_with("x-1.0.tar.gz", "ftp://example.org/x-1.0.tar.gz"),
                              "http://example.org/simple/x/"));
  // Relative links inherit the page's scheme; a local index may point anywhere.
  CHECK(
      parse_json_page(json_page_with("x-1.0.tar.gz", "../../x-1.0.tar.gz"), "https://example.org/simple/x/"));
  CHECK(parse_json_page(json_page_with("x-1.0.tar.gz", "file:///srv/files/x-1.0.tar.gz"),
                        "file:///srv/simple/x/"));
  CHECK(parse_json_page(json_page_with("x-1.0.tar.gz", "https://example.org/x-1.0.tar.gz"),
                        "file:///srv/simple/x/"));

  // HTML: an href, and a <base href> that would turn relative links into local ones.
  auto href =
      parse_html_page(R"(<a href="file:///etc/passwd">x-1.0.tar.gz</a>)", "http://example.org/simple/x/");
  REQUIRE_FALSE(href);
  CHECK(href.error().source == "http://example.org/simple/x/");
  auto base =
      parse_html_page(R"(<html><head><base href="file:///home/"></head><body><a href="x-1.0.tar.gz">x</a>)",
                      "https://example.org/simple/x/");
  REQUIRE_FALSE(base);
  CHECK(base.error().message.find("file:///home/") != std::string::npos);
  CHECK_FALSE(
      parse_html_page(R"(<a href="http://example.org/x-1.0.tar.gz">x</a>)", "https://example.org/simple/x/"));
  CHECK(parse_html_page(R"(<base href="file:///srv/files/"><a href="x-1.0.tar.gz">x</a>)",
                        "file:///srv/simple/x/"));

  CHECK(link_allowed("HTTPS://example.org/", "https://other/"));
  CHECK_FALSE(link_allowed("https://example.org/", "FILE:///etc/passwd"));
  CHECK_FALSE(link_allowed("gopher://example.org/", "gopher://example.org/x"));
}

TEST_CASE("page filenames that are paths are refused by both page parsers") {
  auto json = parse_json_page(json_page_with("evil-1.0-1/../../x-py3-none-any.whl", "/files/evil.whl"),
                              "http://example.org/simple/evil/");
  REQUIRE_FALSE(json);
  CHECK(json.error().message.find("path separator") != std::string::npos);
  for (const char* name :
       {"..", "evil-1.0\\\\x.tar.gz", "evil\\u001b[2J-1.0.tar.gz", "evil-1.0.tar.gz\\u0000"}) {
    CAPTURE(name);
    auto r = parse_json_page(json_page_with(name, "/files/evil.whl"), "http://example.org/simple/evil/");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find('\x1b') == std::string::npos);
  }
  // HTML filenames are the percent-decoded last segment: %2F is a separator, %00 a NUL.
  for (const char* href : {"/files/evil-1.0-1%2F..%2F..%2Fx-py3-none-any.whl", "/files/%2E%2E",
                           "/files/evil-1.0%00.tar.gz", "/files/evil-1.0-1%5C..%5Cx-py3-none-any.whl"}) {
    CAPTURE(href);
    auto r =
        parse_html_page(std::string("<a href=\"") + href + "\">x</a>", "http://example.org/simple/evil/");
    REQUIRE_FALSE(r);
    CHECK(r.error().source == "http://example.org/simple/evil/");
  }
}

TEST_CASE("index credentials go to the same origin only: scheme, host and port") {
  const std::string index = "https://user:secret@pkgs.example:8443/simple";
  CHECK(with_credentials_of("https://pkgs.example:8443/files/a.whl", index) ==
        "https://user:secret@pkgs.example:8443/files/a.whl");
  CHECK(with_credentials_of("https://PKGS.example:8443/files/a.whl", index).find("secret") !=
        std::string::npos);
  CHECK(with_credentials_of("https://pkgs.example:9000/files/a.whl", index) ==
        "https://pkgs.example:9000/files/a.whl");
  CHECK(with_credentials_of("http://pkgs.example:8443/files/a.whl", index) ==
        "http://pkgs.example:8443/files/a.whl");
  CHECK(with_credentials_of("https://pkgs.example/files/a.whl", index) == "https://pkgs.example/files/a.whl");
  CHECK(with_credentials_of("https://other.example:8443/files/a.whl", index) ==
        "https://other.example:8443/files/a.whl");
  // Default ports are one origin with the port left out.
  CHECK(with_credentials_of("https://pkgs.example:443/a.whl", "https://u:p@pkgs.example/simple") ==
        "https://u:p@pkgs.example:443/a.whl");
  CHECK(with_credentials_of("http://pkgs.example/a.whl", "https://u:p@pkgs.example/simple") ==
        "http://pkgs.example/a.whl");
  // A file's own credentials are kept.
  CHECK(with_credentials_of("https://me:mine@pkgs.example:8443/a.whl", index) ==
        "https://me:mine@pkgs.example:8443/a.whl");
}

TEST_CASE("local files are read only for a file: index; a missing index folder is an error naming it") {
  t::temp_dir tmp;
  t::spit(tmp.path / "planted-1.0-py3-none-any.whl.metadata",
          "Metadata-Version: 2.1\nName: planted\nVersion: 1.0\n");
  http_client http;
  index_client client(http);
  dist_file f;
  f.filename = "planted-1.0-py3-none-any.whl";
  f.url = "file://" + (tmp.path / "planted-1.0-py3-none-any.whl").string();
  f.has_metadata = true;
  // No file: index was asked for a page: this file can only have come from elsewhere.
  auto refused = client.fetch_metadata_text(f);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("local file") != std::string::npos);
  f.has_metadata = false;
  CHECK_FALSE(client.fetch_metadata_text(f));

  // An index folder that is not there is not "project not found".
  const std::string missing = "file://" + (tmp.path / "no-such-index").string();
  auto page = client.fetch_page(missing, "anything");
  REQUIRE_FALSE(page);
  CHECK(page.error().message.find((tmp.path / "no-such-index").string()) != std::string::npos);
  // Once a file: index is in use, its files are read.
  std::filesystem::create_directories(tmp.path / "simple");
  auto empty = client.fetch_page("file://" + (tmp.path / "simple").string(), "anything");
  REQUIRE(empty);
  CHECK(empty->status == page_response::status_kind::not_found);
  f.has_metadata = true;
  auto read = client.fetch_metadata_text(f);
  REQUIRE(read);
  CHECK(read->find("Name: planted") != std::string::npos);
}

TEST_CASE("curl callbacks turn a failure inside them into an error value") {
  http_response response;
  detail::response_sink sink{&response, 16, 64, 0, 0, detail::abort_reason::none};
  // Whatever the work throws stays inside: curl gets its error return.
  CHECK(detail::guarded(sink, []() -> std::size_t { throw std::bad_alloc(); }) == detail::callback_error);
  CHECK(sink.aborted == detail::abort_reason::out_of_memory);
  sink.aborted = detail::abort_reason::none;
  CHECK(detail::guarded(sink, []() -> std::size_t { throw std::runtime_error("x"); }) ==
        detail::callback_error);
  CHECK(sink.aborted == detail::abort_reason::out_of_memory);

  // The body cap counts what the callback is given (decompressed bytes).
  sink.aborted = detail::abort_reason::none;
  char data[32] = "0123456789abcdefghijklmnopqrstu";
  CHECK(detail::on_body(data, 1, 10, &sink) == 10);
  CHECK(detail::on_body(data, 1, 7, &sink) == detail::callback_error);
  CHECK(sink.aborted == detail::abort_reason::body_too_large);
  CHECK(response.body == "0123456789");

  // An append that throws (std::length_error: more than a string can hold) is caught.
  http_response big;
  detail::response_sink unlimited{&big, UINT64_MAX, UINT64_MAX, 0, 0, detail::abort_reason::none};
  CHECK(detail::on_body(data, 1, std::string().max_size() + 1, &unlimited) == detail::callback_error);
  CHECK(unlimited.aborted == detail::abort_reason::out_of_memory);

  // Headers: counted over the whole response chain.
  char line[] = "Content-Type: text/html\r\n";
  const std::size_t len = sizeof line - 1;
  sink = detail::response_sink{&response, 16, 2 * len, 0, 0, detail::abort_reason::none};
  CHECK(detail::on_header(line, 1, len, &sink) == len);
  CHECK(response.content_type == "text/html");
  CHECK(detail::on_header(line, 1, len, &sink) == len);
  CHECK(detail::on_header(line, 1, len, &sink) == detail::callback_error);
  CHECK(sink.aborted == detail::abort_reason::headers_too_large);
}

TEST_CASE("deep HTML nesting is refused before parsing; index pages are not") {
  for (std::size_t bytes : {std::size_t{100} << 10, std::size_t{1} << 20}) {
    std::string deep;
    for (std::size_t i = 0; i < bytes / 5; ++i) deep += "<div>";
    deep += "<a href='x-1.0.tar.gz'>x</a>";
    auto page = parse_html_page(deep, "https://example.org/simple/x/");
    REQUIRE_FALSE(page);
    CHECK(page.error().message.find("nest deeper") != std::string::npos);
  }
  // Ways to nest without the tags looking nested: stray end tags the parser ignores, end tags
  // hidden in script data, self-closing syntax outside foreign content, unclosed formatting
  // elements the parser re-opens, elements in foreign content that end no tag.
  const std::pair<const char*, const char*> tricks[] = {
      {"<span><div></span>", "span/div"},
      {"<div><table></div>", "table"},
      {"<div><script><!--<script></script></div>--></script>", "script"},
      {"<svg><p><div/>", "breakout"},
      {"<svg><foreignObject><div/>", "integration point"},
      {"<div><b id=x></div>", "formatting"},
      {"<svg><td>", "foreign td"},
      {"<div><!-- </div> -->", "comment"},
      {"<div><title></div></title>", "rcdata"},
  };
  for (const auto& [unit, what] : tricks) {
    CAPTURE(what);
    std::string page;
    for (int i = 0; i < 2000; ++i) page += unit;
    CHECK(detail::html_nesting_exceeds(page, detail::html_max_nesting));
  }
  // Index pages: flat lists, sloppy markup included (unclosed links, p, li, table cells).
  std::string index =
      "<!DOCTYPE html><html><head><title>Links</title><style>a > b {}</style></head><body><h1>x</h1>";
  for (int i = 0; i < 5000; ++i) {
    index += "<a href=\"x-" + std::to_string(i) + ".0.tar.gz\" data-requires-python=\"&gt;=3\">x</a><br/>\n";
    index += "<p>text<li>item<table><tr><td>cell<td>cell</table><a href='#'>unclosed<img src=x><b>bold</b>";
    index += "<div><span>x</div><!-- <div> --><script>if (a < b) document.write('<div>')</script>";
  }
  index += "<svg><path/><path/><g><rect/></g></svg></body></html>";
  CHECK_FALSE(detail::html_nesting_exceeds(index, detail::html_max_nesting));
  auto page = parse_html_page(index, "https://example.org/simple/x/");
  REQUIRE(page);
  CHECK(page->files.size() == 5000);
}

TEST_CASE("hostile server: endless, bombs, drips, huge headers, bad redirects end as errors naming the URL") {
  t::temp_dir tmp;
  hostile_server srv(tmp.path);
  REQUIRE_MESSAGE(srv.ok(), srv.start_error().to_string());
  client_options o;
  o.max_body_size = 8U << 20;
  o.max_header_bytes = 256U << 10;
  o.low_speed_time = std::chrono::seconds(2);
  o.total_timeout = std::chrono::seconds(20);
  o.backoff_base = std::chrono::milliseconds(10);
  http_client http(o);
  index_client client(http);
  const std::string index = srv.base_url() + "/simple";
  struct expectation {
    const char* project;
    const char* cause;
  };
  for (const auto& e :
       {expectation{"endless", "larger than the limit"}, expectation{"gzipbomb", "larger than the limit"},
        expectation{"drip", "bytes/s over"}, expectation{"bigheaders", "headers are larger"},
        expectation{"redirfile", "file"}, expectation{"redirloop", "redirect"},
        expectation{"liarlength", "declares a length"}}) {
    CAPTURE(e.project);
    const auto before = http.stats();
    auto r = client.fetch_page(index, e.project);
    REQUIRE_FALSE(r);
    const std::string text = r.error().to_string();
    INFO(text);
    CHECK(text.find(index + "/" + e.project + "/") != std::string::npos);
    CHECK(text.find(e.cause) != std::string::npos);
    // None of these is worth asking again.
    CHECK(http.stats().retries == before.retries);
  }
  // The valid part of the index still works through the same client.
  auto good = client.fetch_page(index, "good");
  REQUIRE(good);
  auto page = parse_page(*good);
  REQUIRE(page);
  REQUIRE(page->files.size() == 2);
  auto md = client.fetch_metadata(page->files[1]);
  REQUIRE(md);
  CHECK(md->version.to_string() == "2.0");
  // Hostile pages: refused as pages, nothing read locally.
  for (const char* project : {"filelink", "basefile", "traversal", "traversalhtml", "deephtml"}) {
    CAPTURE(project);
    auto resp = client.fetch_page(index, project);
    REQUIRE(resp);
    auto parsed = parse_page(*resp);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().source == index + "/" + project + "/");
  }
}
