#include <doctest/doctest.h>

#include "pyresolve/index/project_page.hpp"
#include "pyresolve/index/upload_time.hpp"

using namespace pyresolve;
using namespace pyresolve::index;

namespace {
constexpr std::int64_t second = 1'000'000;
// 2023-09-07T21:12:01Z
constexpr std::int64_t snapshot_time = 1'694'121'121 * second;
}  // namespace

TEST_CASE("upload-time: PEP 700's form, with or without a fraction of up to six digits") {
  CHECK(parse_upload_time("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_upload_time("2023-09-07T21:12:01Z") == snapshot_time);
  CHECK(parse_upload_time("2023-09-07T21:12:01.123456Z") == snapshot_time + 123'456);
  CHECK(parse_upload_time("2023-09-07T21:12:01.5Z") == snapshot_time + 500'000);
  CHECK(parse_upload_time("2000-02-29T00:00:00Z") == 951'782'400 * second);  // a leap day
  CHECK(parse_upload_time("9999-12-31T23:59:59.999999Z") == max_upload_time);
  CHECK(format_upload_time(snapshot_time) == "2023-09-07T21:12:01Z");
  CHECK(format_upload_time(snapshot_time + 123'456) == "2023-09-07T21:12:01.123456Z");
  CHECK(format_upload_time(951'782'400 * second) == "2000-02-29T00:00:00Z");
  for (const std::int64_t t : {std::int64_t{0}, snapshot_time + 7, max_upload_time, 946'684'800 * second})
    CHECK(parse_upload_time(format_upload_time(t)) == t);
}

TEST_CASE("upload-time: malformed and absurd values are refused, never read past") {
  for (const char* bad : {"",
                          "Z",
                          "2023",
                          "2023-09-07",
                          "2023-09-07T21:12:01",
                          "2023-09-07T21:12Z",
                          "2023-09-07 21:12:01Z",
                          "2023-09-07t21:12:01Z",
                          "2023-09-07T21:12:01z",
                          "2023-09-07T21:12:01+00:00",
                          "2023-09-07T21:12:01.Z",
                          "2023-09-07T21:12:01.1234567Z",
                          "2023-9-07T21:12:01Z",
                          "+2023-09-07T21:12:01Z",
                          "2023-09-07T21:12:01Z ",
                          " 2023-09-07T21:12:01Z",
                          "2023-09-07T21:12:01ZZ",
                          "2023-13-01T00:00:00Z",
                          "2023-00-01T00:00:00Z",
                          "2023-02-29T00:00:00Z",
                          "1900-02-29T00:00:00Z",
                          "2023-04-31T00:00:00Z",
                          "2023-09-00T00:00:00Z",
                          "2023-09-07T24:00:00Z",
                          "2023-09-07T23:60:00Z",
                          "2023-09-07T23:59:60Z",
                          "1969-12-31T23:59:59Z",
                          "0000-01-01T00:00:00Z",
                          "2023-09-07T21:12:0\xff"
                          "Z",
                          "2023-09-07T21:12:01.-1Z",
                          "１２３４-09-07T21:12:01Z"})
    CHECK_MESSAGE(!parse_upload_time(bad), bad);
  // A view that stops early is not read past its end.
  const std::string whole = "2023-09-07T21:12:01Z";
  for (std::size_t n = 0; n < whole.size(); ++n)
    CHECK_FALSE(parse_upload_time(std::string_view(whole).substr(0, n)));
}

TEST_CASE("RFC 3339 timestamps, as --exclude-newer takes them: offsets, lowercase, a space, nine digits") {
  CHECK(parse_rfc3339("2006-12-02T02:07:43Z") == 1'165'025'263 * second);
  CHECK(parse_rfc3339("2006-12-02t02:07:43z") == 1'165'025'263 * second);
  CHECK(parse_rfc3339("2006-12-02 02:07:43Z") == 1'165'025'263 * second);
  CHECK(parse_rfc3339("2006-12-02T04:07:43+02:00") == 1'165'025'263 * second);
  CHECK(parse_rfc3339("2006-12-01T21:07:43-05:00") == 1'165'025'263 * second);
  CHECK(parse_rfc3339("2006-12-02T02:07:43.123456789Z") == 1'165'025'263 * second + 123'456);
  for (const char* bad :
       {"2006-12-02", "2006-12-02T02:07:43", "2006-12-02T02:07:43+0200", "2006-12-02T02:07:43+24:00",
        "2006-12-02T02:07:43.1234567890Z", "1970-01-01T00:00:00+00:01", "yesterday"})
    CHECK_MESSAGE(!parse_rfc3339(bad), bad);
}

TEST_CASE(
    "JSON page: upload-time read per file; absent or null is none; anything else names the page and file") {
  const char* body = R"({"name":"foo","files":[
    {"filename":"foo-1.0.tar.gz","url":"foo-1.0.tar.gz","hashes":{},"upload-time":"2023-09-07T21:12:01.123456Z"},
    {"filename":"foo-2.0.tar.gz","url":"foo-2.0.tar.gz","hashes":{}},
    {"filename":"foo-3.0.tar.gz","url":"foo-3.0.tar.gz","hashes":{},"upload-time":null}]})";
  auto page = parse_json_page(body, "https://example.org/simple/foo/");
  REQUIRE(page);
  REQUIRE(page->files.size() == 3);
  CHECK(page->files[0].upload_time == snapshot_time + 123'456);
  CHECK(page->files[1].upload_time == no_upload_time);
  CHECK(page->files[2].upload_time == no_upload_time);

  for (const char* value : {R"("2023-09-07")", R"("2023-02-30T00:00:00Z")", R"("99999-01-01T00:00:00Z")",
                            R"("2023-09-07T21:12:01+01:00")", "1694121121", "true", R"({"t":1})", R"("")"}) {
    const std::string bad =
        std::string(R"({"name":"foo","files":[{"filename":"foo-1.0.tar.gz","url":"foo-1.0.tar.gz",)") +
        R"("hashes":{},"upload-time":)" + value + "}]}";
    auto refused = parse_json_page(bad, "https://u:secret@example.org/simple/foo/");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().source == "https://***@example.org/simple/foo/");
    CHECK(refused.error().message.find("foo-1.0.tar.gz") != std::string::npos);
    CHECK(refused.error().message.find("upload-time") != std::string::npos);
  }
  // A hostile, long value is quoted in part only.
  const std::string huge =
      std::string(R"({"name":"foo","files":[{"filename":"foo-1.0.tar.gz","url":"foo-1.0.tar.gz",)") +
      R"("upload-time":")" + std::string(100'000, '9') + "\"}]}";
  auto refused = parse_json_page(huge, "https://example.org/simple/foo/");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.size() < 1'000);
}

TEST_CASE("HTML pages carry no upload time; the version map keeps the page's") {
  auto html =
      parse_html_page(R"(<a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a>)", "https://example.org/simple/foo/");
  REQUIRE(html);
  REQUIRE(html->files.size() == 1);
  CHECK(html->files[0].upload_time == no_upload_time);
  auto json = parse_json_page(
      R"({"name":"foo","files":[{"filename":"foo-1.0.tar.gz","url":"foo-1.0.tar.gz","upload-time":"2023-09-07T21:12:01Z"}]})",
      "https://example.org/simple/foo/");
  REQUIRE(json);
  const auto map = build_version_map(*json, "foo");
  REQUIRE(map.versions.size() == 1);
  CHECK(map.versions[0].files[0].file.upload_time == snapshot_time);
}
