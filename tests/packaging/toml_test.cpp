#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "pyresolve/packaging/toml.hpp"

using pyresolve::packaging::parse_toml;
using pyresolve::packaging::toml_kind;
using pyresolve::packaging::toml_max_depth;
using pyresolve::packaging::toml_max_values;
using pyresolve::packaging::toml_value;

namespace {

toml_value must_parse(const std::string& text) {
  auto doc = parse_toml(text);
  REQUIRE_MESSAGE(doc.has_value(), text << " -> " << doc.error().to_string());
  return std::move(doc).value();
}

/// The error of a document that must be refused, with `fragment` in its message.
pyresolve::error must_fail(const std::string& text, const std::string& fragment = "") {
  auto doc = parse_toml(text);
  REQUIRE_MESSAGE(!doc.has_value(), text);
  CHECK_MESSAGE(doc.error().message.find(fragment) != std::string::npos,
                text << " -> " << doc.error().message);
  CHECK(doc.error().line >= 1);
  CHECK(doc.error().column >= 1);
  return doc.error();
}

const toml_value& at(const toml_value& table, std::string_view key) {
  const toml_value* v = table.find(key);
  REQUIRE_MESSAGE(v != nullptr, key);
  return *v;
}

}  // namespace

TEST_CASE("toml: scalars of every kind") {
  const auto doc = must_parse(
      "s = \"a\\tb\\u00e9\\U0001F600\"\n"
      "l = 'C:\\path'\n"
      "i = -17\n"
      "h = 0xdead_BEEF\n"
      "o = 0o755\n"
      "b = 0b1010\n"
      "max = 9223372036854775807\n"
      "min = -9223372036854775808\n"
      "f = 6.626e-34\n"
      "u = 224_617.445_991_228\n"
      "pinf = +inf\n"
      "nnan = -nan\n"
      "nz = -0.0\n"
      "t = true\n"
      "odt = 1979-05-27T00:32:00.999999-07:00\n"
      "ldt = 1979-05-27 07:32:00\n"
      "ld = 2000-02-29\n"
      "lt = 07:32:00.5\n");
  CHECK(at(doc, "s").text() == "a\tb\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(at(doc, "l").text() == "C:\\path");
  CHECK(at(doc, "i").integer() == -17);
  CHECK(at(doc, "h").integer() == 0xdeadbeef);
  CHECK(at(doc, "o").integer() == 0755);
  CHECK(at(doc, "b").integer() == 10);
  CHECK(at(doc, "max").integer() == INT64_MAX);
  CHECK(at(doc, "min").integer() == INT64_MIN);
  CHECK(at(doc, "f").kind() == toml_kind::floating);
  CHECK(at(doc, "f").floating() == doctest::Approx(6.626e-34));
  CHECK(at(doc, "u").floating() == doctest::Approx(224617.445991228));
  CHECK(std::isinf(at(doc, "pinf").floating()));
  CHECK(std::isnan(at(doc, "nnan").floating()));
  CHECK(std::signbit(at(doc, "nz").floating()));
  CHECK(at(doc, "t").kind() == toml_kind::boolean);
  CHECK(at(doc, "t").boolean());
  CHECK(at(doc, "odt").kind() == toml_kind::offset_date_time);
  CHECK(at(doc, "odt").text() == "1979-05-27T00:32:00.999999-07:00");
  CHECK(at(doc, "ldt").kind() == toml_kind::local_date_time);
  CHECK(at(doc, "ld").kind() == toml_kind::local_date);
  CHECK(at(doc, "lt").kind() == toml_kind::local_time);
  CHECK(at(doc, "lt").text() == "07:32:00.5");
}

TEST_CASE("toml: multi-line strings, line-ending backslashes and closing quotes") {
  const auto doc = must_parse(
      "a = \"\"\"\nline\r\nnext\"\"\"\n"
      "b = \"\"\"one \\\n    two \\   \n\n   three\"\"\"\n"
      "c = \"\"\"5\"\"\"\"\"\n"
      "d = '''\n\\raw'''''\n"
      "e = \"\"\"\"\"\"\n");
  CHECK(at(doc, "a").text() == "line\nnext");
  CHECK(at(doc, "b").text() == "one two three");
  CHECK(at(doc, "c").text() == "5\"\"");
  CHECK(at(doc, "d").text() == "\\raw''");
  CHECK(at(doc, "e").text().empty());
}

TEST_CASE("toml: tables, dotted keys, arrays of tables keep their order and positions") {
  const auto doc = must_parse(
      "title = 'x'\n"
      "[owner]\n"
      "name.first = 'Tom'\n"
      "name.last = 'P'\n"
      "[[products]]\n"
      "id = 1\n"
      "[[products]]\n"
      "id = 2\n"
      "  tags = [ 'a', [1, 2], {k = 1} ]\n"
      "[a.b.c]\n"
      "[a]\n"
      "z = 1\n");
  REQUIRE(doc.entries().size() == 4);
  CHECK(doc.entries()[0].first == "title");
  CHECK(doc.entries()[1].first == "owner");
  CHECK(doc.entries()[2].first == "products");
  CHECK(doc.entries()[3].first == "a");
  CHECK(at(at(at(doc, "owner"), "name"), "last").text() == "P");
  const auto& products = at(doc, "products");
  REQUIRE(products.items().size() == 2);
  CHECK(at(products.items()[1], "id").integer() == 2);
  const auto& tags = at(products.items()[1], "tags");
  CHECK(tags.line() == 9);
  CHECK(tags.column() == 10);
  REQUIRE(tags.items().size() == 3);
  CHECK(tags.items()[1].column() == 17);
  CHECK(tags.items()[2].is_table());
  CHECK(at(at(doc, "a"), "z").integer() == 1);
  // Columns count characters, not bytes.
  const auto wide = must_parse("\"\xc3\xa9\xc3\xa9\" = 1\n");
  CHECK(at(wide, "\xc3\xa9\xc3\xa9").column() == 8);
}

TEST_CASE("toml: a table with many keys is found by key") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "k" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  const auto doc = must_parse(text);
  CHECK(doc.entries().size() == 5000);
  CHECK(at(doc, "k4321").integer() == 4321);
  CHECK(doc.find("k5000") == nullptr);
  must_fail(text + "k17 = 1\n", "already defined");
}

TEST_CASE("toml: redefinitions are errors") {
  must_fail("a = 1\na = 2\n", "already defined");
  must_fail("a.b = 1\na = 2\n", "already defined");
  must_fail("a = 1\na.b = 2\n", "already has a value");
  must_fail("[a]\n[a]\n", "already defined");
  must_fail("[a]\nb = 1\n[a.b]\n", "already has a value");
  must_fail("a.b = 1\n[a]\n", "dotted keys");
  must_fail("[a]\nb.c = 1\n[a.b]\n", "dotted keys");
  must_fail("[a.b]\nx = 1\n[a]\nb.y = 2\n", "[table] header");
  must_fail("a = {b = 1}\n[a]\n", "inline table");
  must_fail("a = {b = 1}\na.c = 2\n", "inline table");
  must_fail("a = {b = {c = 1}}\n[a.b]\n", "inline table");
  must_fail("a = {x = {}, x.y = 1}\n", "inline table");
  must_fail("a = {x = 1, x = 2}\n", "already defined");
  must_fail("a = []\n[[a]]\n", "cannot be extended");
  must_fail("a = [{}]\n[a.b]\n", "cannot be extended");
  must_fail("[[a]]\n[a]\n", "array of tables");
  must_fail("[a]\n[[a]]\n", "already defined");
  // What TOML allows: sub-tables of implicit, dotted and array tables.
  must_parse("[a.b.c]\n[a]\n[a.b]\n");
  must_parse("[a]\nb.c = 1\n[a.b.d]\n");
  must_parse("[[a]]\n[a.b]\n[[a]]\n[a.b]\n");
  must_parse("a = {x.y = 1, x.z = 2}\n");
}

TEST_CASE("toml: bad strings and escapes") {
  must_fail("a = \"\\x41\"\n", "invalid escape");
  must_fail("a = \"\\e\"\n", "invalid escape");
  must_fail("a = \"\\u12\"\n", "hexadecimal");
  must_fail("a = \"\\uD800\"\n", "Unicode scalar");
  must_fail("a = \"\\U00110000\"\n", "Unicode scalar");
  must_fail("a = \"open\n", "newline");
  must_fail("a = 'open", "unterminated");
  must_fail("a = \"\"\"open\n", "unterminated");
  must_fail(std::string("a = \"nul \0\"\n", 11), "control character");
  must_fail("a = \"\"\"x\rb\"\"\"\n", "control character");
  must_fail("a = \"\"\"5\"\"\"\"\"\"\n", "unexpected character");
  must_fail("# bell \x07\n", "in a comment");
}

TEST_CASE("toml: bad UTF-8 is refused wherever it is") {
  must_fail("a = \"\xc3\"\n", "UTF-8");
  must_fail("a = \"\xc0\xaf\"\n", "UTF-8");          // overlong
  must_fail("a = \"\xe0\x80\xaf\"\n", "UTF-8");      // overlong
  must_fail("a = \"\xed\xa0\x80\"\n", "UTF-8");      // surrogate
  must_fail("a = \"\xf4\x90\x80\x80\"\n", "UTF-8");  // above U+10FFFF
  must_fail("# \xff\n", "UTF-8");
  const auto e = must_fail("a = 1\nb = '\xfe'\n", "UTF-8");
  CHECK(e.line == 2);
  CHECK(e.column == 6);
}

TEST_CASE("toml: numbers") {
  must_fail("a = 9223372036854775808\n", "out of range");
  must_fail("a = -9223372036854775809\n", "out of range");
  must_fail("a = 0x8000000000000000\n", "out of range");
  must_fail("a = 0b" + std::string(64, '1') + "\n", "out of range");
  must_fail("a = 0123\n", "unexpected character");
  must_fail("a = 1__0\n", "unexpected character");
  must_fail("a = 1_\n", "unexpected character");
  must_fail("a = +0x1\n", "unexpected character");
  must_fail("a = 0x\n", "no digits");
  must_fail("a = 1.\n", "unexpected character");
  must_fail("a = .5\n", "expected a value");
  must_fail("a = 1e\n", "unexpected character");
  must_fail("a = infinity\n", "unexpected character");
  const auto doc = must_parse("a = 1e400\nb = -1e400\nc = 1e-400\nd = 0." + std::string(400, '0') + "1\n");
  CHECK(std::isinf(at(doc, "a").floating()));
  CHECK(at(doc, "b").floating() < 0);
  CHECK(at(doc, "c").floating() == 0.0);
  CHECK(at(doc, "d").floating() == 0.0);
}

TEST_CASE("toml: dates and times are checked against the calendar") {
  must_parse("a = 2024-02-29\nb = 23:59:59\nc = 1979-05-27T07:32:00+23:59\n");
  must_fail("a = 2023-02-29\n", "invalid date");
  must_fail("a = 1900-02-29\n", "invalid date");
  must_fail("a = 1979-04-31\n", "invalid date");
  must_fail("a = 1979-13-01\n", "invalid date");
  must_fail("a = 24:00:00\n", "invalid time");
  must_fail("a = 12:60:00\n", "invalid time");
  must_fail("a = 1979-05-27T07:32\n", "invalid time");
  must_fail("a = 1979-05-27T07:32:00+24:00\n", "unexpected character");
  must_fail("a = 07:32:00Z\n", "unexpected character");
}

TEST_CASE("toml: syntax errors name their line and column") {
  const auto e = must_fail("[a]\nb = [1 2]\n", "',' or ']'");
  CHECK(e.line == 2);
  CHECK(e.column == 8);
  must_fail("a = {x = 1,}\n", "trailing comma");
  must_fail("a = {x = 1\n}\n", "',' or '}'");
  must_fail("a = 1 b = 2\n", "end of the line");
  must_fail("[a\n", "']'");
  must_fail("a.=1\n", "a key");
  must_fail("= 1\n", "a key");
}

TEST_CASE("toml: what crashed toml++ is a plain error") {
  // Quotes glued to a value, then non-ASCII whitespace-like code points outside strings.
  const auto glued = must_fail("a = 5\"\"\"\xc2\xa0\"\n", "unexpected character '\"'");
  CHECK(glued.line == 1);
  CHECK(glued.column == 6);
  for (const char* space : {"\xc2\xa0", "\xe2\x80\x80", "\xe3\x80\x80", "\xc2\x85", "\xe1\x9a\x80"}) {
    const auto e = must_fail(std::string("a = 1") + space + "\n", "non-ASCII");
    CHECK(e.column == 6);
    must_fail(std::string("a") + space + "= 1\n", "non-ASCII");
    must_fail(std::string(space) + "a = 1\n", "non-ASCII");
  }
  // In strings and comments they are content.
  must_parse("a = \"\xc2\xa0\" # \xe2\x80\x80\nb = \"\"\"x\\\n  \xc2\xa0\"\"\"\n");
  // Arrays opened far deeper than the cap, then garbage.
  must_fail("a = " + std::string(100000, '[') + "0" + std::string(100000, '[') + "'", "nested deeper");
}

TEST_CASE("toml: nesting is capped at toml_max_depth") {
  const std::size_t cap = toml_max_depth;
  // Arrays: the value of a root key is at depth 1, its items one deeper.
  must_parse("a = " + std::string(cap, '[') + std::string(cap, ']') + "\n");
  must_fail("a = " + std::string(cap + 1, '[') + std::string(cap + 1, ']') + "\n", "nested deeper than 128");
  std::string inline_tables = "a = ";
  for (std::size_t i = 0; i < cap; ++i) inline_tables += "{b = ";
  must_fail(inline_tables + "1" + std::string(cap, '}') + "\n", "nested deeper");
  std::string dotted = "a";
  for (std::size_t i = 1; i < cap; ++i) dotted += ".a";
  must_parse(dotted + " = 1\n");
  must_fail(dotted + ".a = 1\n", "nested deeper");
  must_parse("[" + dotted + "]\n");
  must_fail("[" + dotted + ".a]\n", "nested deeper");
  // Levels add up: header, dotted key and value.
  std::string half = "a";
  for (std::size_t i = 1; i < cap / 2; ++i) half += ".a";
  must_fail("[" + half + "]\n" + half + " = [1]\n", "nested deeper");
  // Megabytes of dots are refused early, in linear time.
  std::string huge = "a";
  for (int i = 0; i < 1000000; ++i) huge += ".a";
  must_fail(huge + " = 1\n", "nested deeper");
  must_fail("[" + huge + "]\n", "nested deeper");
}

TEST_CASE("toml: long lines and many values stay linear") {
  std::string text = "a = [";
  for (int i = 0; i < 200000; ++i) text += "{x.y = 1, z = 'caf\xc3\xa9'}, ";
  text += "]\n";
  const auto doc = must_parse(text);
  const auto& items = at(doc, "a").items();
  REQUIRE(items.size() == 200000);
  CHECK(items.back().line() == 1);
  CHECK(items[1].column() == 6 + 23);
}

TEST_CASE("toml: the number of values is capped at toml_max_values") {
  // Array items count: a document of one long array stops at the cap, not at the memory.
  std::string text = "a = [";
  for (std::size_t i = 0; i < toml_max_values; ++i) text += "0,";
  const auto at_cap = parse_toml(text + "]\n");
  CHECK(!at_cap);  // the array itself is a value too
  if (!at_cap) CHECK(at_cap.error().message.find("values in one document") != std::string::npos);
  text.resize(text.size() - 2);
  auto below = parse_toml(text + "]\n");
  REQUIRE(below.has_value());
  CHECK(below->find("a")->items().size() == toml_max_values - 1);
}
