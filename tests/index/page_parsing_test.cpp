#include <doctest/doctest.h>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"

using namespace pyresolve;
using namespace pyresolve::index;

TEST_CASE("JSON page: relative URLs, hashes, yanked, metadata keys, size") {
  const char* body = R"({"meta":{"api-version":"1.1"},"name":"Foo","files":[
    {"filename":"foo-1.0-py3-none-any.whl","url":"../../files/foo-1.0-py3-none-any.whl#sha256=ABC",
     "hashes":{"sha256":"DEADBEEF"},"requires-python":">=3.8","core-metadata":{"sha256":"aa"},"size":12,"yanked":false},
    {"filename":"foo-2.0.tar.gz","url":"https://files.example/foo-2.0.tar.gz","hashes":{},
     "yanked":"bad release","dist-info-metadata":true},
    {"filename":"foo-3.0.tar.gz","url":"/abs/foo-3.0.tar.gz#sha256=ff","hashes":{},"yanked":true,"requires-python":null}]})";
  auto page = parse_json_page(body, "https://user:pw@example.org/simple/foo/");
  REQUIRE(page);
  CHECK(page->name == "Foo");
  CHECK(page->url == "https://***@example.org/simple/foo/");
  REQUIRE(page->files.size() == 3);
  CHECK(page->files[0].url == "https://user:pw@example.org/files/foo-1.0-py3-none-any.whl");
  CHECK(page->files[0].sha256 == "deadbeef");
  CHECK(page->files[0].requires_python == ">=3.8");
  CHECK(page->files[0].has_metadata);
  CHECK(page->files[0].metadata_sha256 == "aa");
  CHECK(page->files[0].size == 12U);
  CHECK(page->files[1].yanked);
  CHECK(page->files[1].yanked_reason == "bad release");
  CHECK(page->files[1].has_metadata);
  CHECK(page->files[1].metadata_sha256.empty());
  CHECK(page->files[2].yanked);
  CHECK(page->files[2].yanked_reason.empty());
  CHECK(page->files[2].url == "https://user:pw@example.org/abs/foo-3.0.tar.gz");
  CHECK(page->files[2].sha256 == "ff");
  CHECK(page->files[2].requires_python.empty());
}

TEST_CASE("JSON page: garbage is an error naming the URL, never a crash") {
  for (const char* body : {"", "{", "[1,2]", "{\"files\": 3}", "{\"files\": [{\"url\": \"x\"}]}",
                           "\xff\xfe garbage", "{\"files\": [{\"filename\": \"a.whl\"}]}"}) {
    auto page = parse_json_page(body, "https://u:secret@example.org/simple/x/");
    REQUIRE_FALSE(page);
    CHECK(page.error().source == "https://***@example.org/simple/x/");
    CHECK(page.error().to_string().find("secret") == std::string::npos);
  }
}

TEST_CASE("HTML page: entities, relative and absolute links, fragments, metadata attributes, base") {
  const char* body = R"(<!DOCTYPE html><html><body>
    <a href="../../files/foo-1.0-py3-none-any.whl#sha256=AbC" data-requires-python="&gt;=3.8,&lt;4"
       data-dist-info-metadata="sha256=11" data-core-metadata="sha256=22">foo-1.0-py3-none-any.whl</a>
    <a href="https://other.example/x/foo-2.0.tar.gz" data-yanked="">foo-2.0.tar.gz</a>
    <a href="foo-3.0.tar.gz" data-yanked="security &amp; stuff" data-dist-info-metadata="true">foo-3.0.tar.gz</a>
    <a href="/p/foo%2B-4.0.zip">x</a>
    <a>no href</a>
    <div><p><a href="deep/foo-5.0.tar.gz">nested</a></p></div>
  </body></html>)";
  auto page = parse_html_page(body, "https://example.org/simple/foo/");
  REQUIRE(page);
  REQUIRE(page->files.size() == 5);
  CHECK(page->files[0].url == "https://example.org/files/foo-1.0-py3-none-any.whl");
  CHECK(page->files[0].sha256 == "abc");
  CHECK(page->files[0].requires_python == ">=3.8,<4");
  CHECK(page->files[0].metadata_sha256 == "22");  // data-core-metadata wins
  CHECK(page->files[1].yanked);
  CHECK(page->files[1].yanked_reason.empty());
  CHECK(page->files[1].url == "https://other.example/x/foo-2.0.tar.gz");
  CHECK(page->files[2].url == "https://example.org/simple/foo/foo-3.0.tar.gz");
  CHECK(page->files[2].yanked_reason == "security & stuff");
  CHECK(page->files[2].has_metadata);
  CHECK(page->files[3].filename == "foo+-4.0.zip");
  CHECK(page->files[4].url == "https://example.org/simple/foo/deep/foo-5.0.tar.gz");

  auto based = parse_html_page(R"(<html><head><base href="https://mirror.example/pkgs/"></head>
    <body><a href="foo-1.0.tar.gz">x</a></body></html>)",
                               "https://example.org/simple/foo/");
  REQUIRE(based);
  REQUIRE(based->files.size() == 1);
  CHECK(based->files[0].url == "https://mirror.example/pkgs/foo-1.0.tar.gz");
}

TEST_CASE("HTML page: garbage parses to no files, deep nesting is an error, not an overflow") {
  auto page = parse_html_page("\x01\x02<<<>>>&&&;;", "https://example.org/simple/x/");
  REQUIRE(page);
  CHECK(page->files.empty());
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div>";
  deep += "<a href='x-1.0.tar.gz'>x</a>";
  auto d = parse_html_page(deep, "https://example.org/simple/x/");
  REQUIRE_FALSE(d);
  CHECK(d.error().source == "https://example.org/simple/x/");
  std::string nested;
  for (int i = 0; i < 200; ++i) nested += "<div>";
  nested += "<a href='x-1.0.tar.gz'>x</a>";
  auto n = parse_html_page(nested, "https://example.org/simple/x/");
  REQUIRE(n);
  CHECK(n->files.size() == 1);
}

TEST_CASE("parse_page dispatches on content type; an unknown type is an error naming it") {
  page_response r;
  r.url = "https://example.org/simple/a/";
  r.body = "{\"files\": []}";
  r.content_type = "application/vnd.pypi.simple.v1+json; charset=utf-8";
  CHECK(parse_page(r));
  r.content_type = "text/plain";
  auto bad = parse_page(r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string().find("text/plain") != std::string::npos);
  CHECK(bad.error().source == r.url);
}

TEST_CASE("version map: sorted, grouped, tags parsed, requires-python interned, foreign files skipped") {
  project_page page;
  auto add = [&](std::string fname, std::string rp = "") {
    dist_file f;
    f.filename = fname;
    f.url = "https://x/" + fname;
    f.requires_python = std::move(rp);
    page.files.push_back(f);
  };
  add("foo-2.0-py3-none-any.whl", ">=3.8");
  add("foo-10.0.tar.gz", ">=3.8");
  add("foo-2.0.tar.gz", ">=3.8");
  add("foo-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl", "bogus!!");
  add("bar-1.0.tar.gz");
  add("foo-notaversion-x.whl");
  add("Foo-2.0rc1.zip");
  auto map = build_version_map(page, "foo");
  REQUIRE(map.versions.size() == 4);
  CHECK(map.versions[0].version.to_string() == "1.0");
  CHECK(map.versions[1].version.to_string() == "2.0rc1");
  CHECK(map.versions[2].version.to_string() == "2.0");
  CHECK(map.versions[3].version.to_string() == "10.0");
  CHECK(map.versions[2].files.size() == 2);
  CHECK(map.versions[2].files[0].kind == file_kind::wheel);
  CHECK(map.versions[2].files[1].kind == file_kind::sdist);
  CHECK(map.versions[0].files[0].build->number == 1U);
  CHECK(map.versions[0].files[0].tags.platforms[0] == "manylinux_2_17_x86_64");
  CHECK(map.skipped_files == 2);
  CHECK(map.requires_python_text.size() == 2);
  CHECK(map.versions[2].files[0].requires_python == map.versions[3].files[0].requires_python);
  CHECK(map.requires_python[static_cast<std::size_t>(map.versions[0].files[0].requires_python)].empty());
  CHECK(map.find(*packaging::version::parse("10")) == &map.versions[3]);
  CHECK(map.find(*packaging::version::parse("3")) == nullptr);
}

TEST_CASE("redact_url and index order") {
  CHECK(redact_url("https://u:p@h/x@y") == "https://***@h/x@y");
  CHECK(redact_url("https://h/simple") == "https://h/simple");
  CHECK(redact_url("not a url") == "not a url");
  CHECK(has_credentials("https://u:p@h/x@y"));
  CHECK(has_credentials("https://u@h/"));
  CHECK_FALSE(has_credentials("https://h/x@y"));
  CHECK_FALSE(has_credentials("not a url"));
  index_locations loc;
  loc.index_url = "https://a/simple";
  loc.extra_index_urls = {"https://b/simple"};
  CHECK(loc.ordered() == std::vector<std::string>{"https://b/simple", "https://a/simple"});
  loc.no_index = true;
  CHECK(loc.ordered().empty());
}
