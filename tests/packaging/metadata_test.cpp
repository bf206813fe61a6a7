#include <doctest/doctest.h>

#include <string>

#include "pyresolve/packaging/metadata.hpp"

using namespace pyresolve::packaging;

TEST_CASE("core metadata fields are read from the header block") {
  const char* text =
      "Metadata-Version: 2.1\r\n"
      "Name: Requests\r\n"
      "version: 2.31.0\r\n"
      "Summary: Python HTTP for Humans.\r\n"
      "Requires-Python: >=3.7\r\n"
      "Requires-Dist: charset-normalizer (<4,>=2)\r\n"
      "REQUIRES-DIST: idna<4,>=2.5\r\n"
      "Requires-Dist: PySocks!=1.5.7,>=1.5.6 ;\r\n"
      "  extra == 'socks'\r\n"
      "Provides-Extra: socks\r\n"
      "Provides-Extra: use_chardet_on_py3\r\n"
      "\r\n"
      "Requires-Dist: not-a-field-this-is-the-body\r\n"
      "Name: body\r\n";
  auto m = core_metadata::parse(text);
  REQUIRE(m);
  CHECK(m->metadata_version == "2.1");
  CHECK(m->name == "Requests");
  CHECK(m->normalized_name() == "requests");
  CHECK(m->version.to_string() == "2.31.0");
  REQUIRE(m->requires_python);
  CHECK(m->requires_python->to_string() == ">=3.7");
  REQUIRE(m->requires_dist.size() == 3);
  CHECK(m->requires_dist[0].name == "charset-normalizer");
  CHECK(m->requires_dist[1].name == "idna");
  CHECK(m->requires_dist[2].name == "PySocks");
  REQUIRE(m->requires_dist[2].marker);
  CHECK(m->requires_dist[2].marker->to_string() == "extra == \"socks\"");
  CHECK(m->provides_extra == std::pmr::vector<std::pmr::string>{"socks", "use_chardet_on_py3"});
  CHECK(m->dynamic.empty());
  CHECK(m->requires_dist_is_dynamic());  // 2.1 predates PEP 643
}

TEST_CASE("a BOM, a missing Requires-Python and blank continuation lines are accepted") {
  auto m =
      core_metadata::parse("\xEF\xBB\xBFName: a\nVersion: 1\nDescription: x\n   \n  more\nLicense: MIT\n");
  REQUIRE(m);
  CHECK(m->name == "a");
  CHECK_FALSE(m->requires_python);
  CHECK(m->requires_dist.empty());
  CHECK(m->metadata_version.empty());
}

TEST_CASE("requires_dist_is_dynamic follows PEP 643") {
  auto static_deps = core_metadata::parse("Metadata-Version: 2.2\nName: a\nVersion: 1\nDynamic: Summary\n");
  REQUIRE(static_deps);
  CHECK_FALSE(static_deps->requires_dist_is_dynamic());
  auto dynamic_deps =
      core_metadata::parse("Metadata-Version: 2.3\nName: a\nVersion: 1\nDynamic: requires-dist\n");
  REQUIRE(dynamic_deps);
  CHECK(dynamic_deps->dynamic == std::pmr::vector<std::pmr::string>{"requires-dist"});
  CHECK(dynamic_deps->requires_dist_is_dynamic());
  auto newer = core_metadata::parse("Metadata-Version: 2.10\nName: a\nVersion: 1\n");
  REQUIRE(newer);
  CHECK_FALSE(newer->requires_dist_is_dynamic());
  auto old = core_metadata::parse("Metadata-Version: 1.2\nName: a\nVersion: 1\n");
  REQUIRE(old);
  CHECK(old->requires_dist_is_dynamic());
}

TEST_CASE("malformed fields are reported by source, line and field") {
  auto bad = core_metadata::parse(
      "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nSummary: x\n\tcontinued\nRequires-Dist: bar\n"
      "Requires-Dist: foo >=\n",
      "foo-1.0.dist-info/METADATA");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == pyresolve::errc::invalid_metadata);
  CHECK(bad.error().source == "foo-1.0.dist-info/METADATA");
  CHECK(bad.error().line == 7);
  CHECK(bad.error().to_string().rfind("foo-1.0.dist-info/METADATA:7: invalid Requires-Dist 'foo >=': ", 0) ==
        0);

  struct bad_case {
    const char* text;
    std::uint32_t line;
    const char* message;
  };
  for (const bad_case& c : {
           bad_case{"Name: a\nVersion: x y\n", 2, "invalid Version 'x y'"},
           bad_case{"Name: a b\nVersion: 1\n", 1, "invalid Name 'a b'"},
           bad_case{"Name: a\nVersion: 1\nRequires-Python: >=3.x\n", 3, "invalid Requires-Python '>=3.x'"},
           bad_case{"Metadata-Version: two\nName: a\nVersion: 1\n", 1, "invalid Metadata-Version 'two'"},
           bad_case{" Name: a\nVersion: 1\n", 1, "continuation line before any field"},
           bad_case{"Name: a\nthis is not a header\n", 2, "expected 'Field: value'"},
           bad_case{"Name: a\n", 0, "missing required field 'Version'"},
           bad_case{"Version: 1\n\nName: a\n", 0, "missing required field 'Name'"},
       }) {
    CAPTURE(c.text);
    auto r = core_metadata::parse(c.text, "PKG-INFO");
    REQUIRE_FALSE(r);
    CHECK(r.error().line == c.line);
    CHECK(r.error().source == "PKG-INFO");
    CHECK(r.error().message.find(c.message) != std::string::npos);
  }
}
