#include <doctest/doctest.h>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "vector_file.hpp"

using namespace pyresolve::packaging;
using pyresolve::errc;
using pyresolve::test::read_vectors;

TEST_CASE("valid PEP 508 requirements print as str(Requirement) of packaging 23.0") {
  const auto lines = read_vectors("pep508_valid.txt");
  REQUIRE(lines.size() > 50);
  for (const auto& line : lines) {
    REQUIRE(line.fields.size() == 5);
    CAPTURE(line.number);
    CAPTURE(line.fields[0]);
    auto parsed = requirement::parse(line.fields[0]);
    if (!parsed) {
      FAIL_CHECK(parsed.error().message);
      continue;
    }
    CHECK(parsed->to_string() == line.fields[1]);
    CHECK(std::string(parsed->name) == line.fields[2]);
    CHECK(std::string(parsed->url) == (line.fields[3] == "-" ? std::string() : line.fields[3]));
    if (line.fields[4] == "-") {
      CHECK_FALSE(parsed->marker.has_value());
    } else {
      REQUIRE(parsed->marker.has_value());
      CHECK(parsed->marker->to_string() == line.fields[4]);
    }
    // What we print must read back. Like packaging, printing may drop parentheses around a
    // leading `extra` comparison that is then normalized on the next read, so the fixed point
    // is reached after one more round.
    auto again = requirement::parse(parsed->to_string());
    REQUIRE(again);
    auto third = requirement::parse(again->to_string());
    REQUIRE(third);
    CHECK(third->to_string() == again->to_string());
  }
}

TEST_CASE("invalid PEP 508 requirements fail with packaging's message and column") {
  const auto lines = read_vectors("pep508_invalid.txt");
  REQUIRE(lines.size() > 30);
  for (const auto& line : lines) {
    REQUIRE(line.fields.size() == 3);
    CAPTURE(line.number);
    CAPTURE(line.fields[0]);
    auto parsed = requirement::parse(line.fields[0]);
    if (parsed) {
      FAIL_CHECK("parsed as " << parsed->to_string());
      continue;
    }
    CHECK(parsed.error().code == errc::invalid_requirement);
    if (line.fields[1] != "-") CHECK(parsed.error().column == std::stoul(line.fields[1]));
    if (line.fields[2] != "-") CHECK(parsed.error().message == line.fields[2]);
  }
}

TEST_CASE("requirement parts") {
  auto r =
      requirement::parse("Foo.Bar_baz[Security, socks,security] (>=2.8.1, ==2.8.*) ; python_version < '2.7'");
  REQUIRE(r);
  CHECK(r->name == "Foo.Bar_baz");
  CHECK(r->normalized_name() == "foo-bar-baz");
  CHECK(r->extras == std::pmr::vector<std::pmr::string>{"Security", "socks", "security"});
  CHECK(r->specifiers.specifiers().size() == 2);
  CHECK(r->url.empty());
  REQUIRE(r->marker);
  CHECK(r->marker->to_string() == R"(python_version < "2.7")");
  CHECK(r->to_string() == R"(Foo.Bar_baz[Security,security,socks]==2.8.*,>=2.8.1; python_version < "2.7")");

  auto dup = requirement::parse("name[a,b,a]");
  REQUIRE(dup);
  CHECK(dup->extras == std::pmr::vector<std::pmr::string>{"a", "b"});

  auto url = requirement::parse(
      "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686");
  REQUIRE(url);
  CHECK(url->specifiers.empty());
  CHECK(url->url ==
        "https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686");
}

TEST_CASE("a long requirement is quoted in part in its error") {
  const std::string name(10 << 20, 'a');
  auto r = requirement::parse(name + " ==");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.size() < 1000);
  auto bad_name = parse_name(name + "!");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().message.size() < 1000);
  CHECK(bad_name.error().message.find(std::string(200, 'a') + "...'") != std::string::npos);
}

TEST_CASE("excerpt cuts long text on a character boundary and marks the cut") {
  CHECK(excerpt("short") == "short");
  CHECK(excerpt(std::string(300, 'x')) == std::string(200, 'x') + "...");
  // A two-byte character straddling the limit is left out whole.
  CHECK(excerpt(std::string(199, 'x') + "\xC3\xA9" + "tail") == std::string(199, 'x') + "...");
  std::size_t at = 0;
  const std::string text = std::string(1000, 'a') + "X" + std::string(1000, 'b');
  const std::string window = excerpt_around(text, 1000, at);
  CHECK(window.size() <= 206);
  CHECK(window[at] == 'X');
  CHECK(window.substr(0, 3) == "...");
  CHECK(window.substr(window.size() - 3) == "...");
  CHECK(excerpt_around("abc", 1, at) == "abc");
  CHECK(at == 1);
}
