#include <doctest/doctest.h>

#include <string>

#include "pyresolve/packaging/tags.hpp"

using namespace pyresolve::packaging;

TEST_CASE("compressed tag sets expand in written order") {
  auto set = compressed_tag_set::parse("py2.py3-none-any");
  REQUIRE(set);
  CHECK(set->interpreters == std::vector<std::string>{"py2", "py3"});
  const auto tags = set->expand();
  REQUIRE(tags.size() == 2);
  CHECK(tags[0] == wheel_tag{"py2", "none", "any"});
  CHECK(tags[1].to_string() == "py3-none-any");
  CHECK(set->to_string() == "py2.py3-none-any");

  auto upper = compressed_tag_set::parse("CP311-ABI3-Manylinux_2_17_X86_64.manylinux2014_x86_64");
  REQUIRE(upper);
  CHECK(upper->expand().front().to_string() == "cp311-abi3-manylinux_2_17_x86_64");
  CHECK(upper->expand().size() == 2);

  auto dup = compressed_tag_set::parse("py3.py3-none-any");
  REQUIRE(dup);
  CHECK(dup->expand().size() == 1);

  for (const char* bad :
       {"py3-none", "py3-none-any-x", "py3..py2-none-any", "-none-any", "py3-none-", "py 3-none-any"}) {
    CAPTURE(bad);
    auto r = compressed_tag_set::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == pyresolve::errc::invalid_tag);
  }
}

TEST_CASE("wheel filenames parse like packaging.utils.parse_wheel_filename") {
  auto w = wheel_filename::parse("Foo_Bar.baz-1.0.post1-py2.py3-none-any.whl");
  REQUIRE(w);
  CHECK(w->name == "foo-bar-baz");
  CHECK(w->version.to_string() == "1.0.post1");
  CHECK_FALSE(w->build);
  CHECK(w->tags.interpreters == std::vector<std::string>{"py2", "py3"});
  CHECK(w->expanded_tags().size() == 2);

  auto built =
      wheel_filename::parse("numpy-1.26.4-12abc-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  REQUIRE(built);
  REQUIRE(built->build);
  CHECK(built->build->number == 12);
  CHECK(built->build->suffix == "abc");
  CHECK(built->tags.platforms.size() == 2);
  CHECK(built->expanded_tags()[1].platform == "manylinux2014_x86_64");

  auto local = wheel_filename::parse("torch-2.1.0+cu118-cp311-cp311-linux_x86_64.whl");
  REQUIRE(local);
  CHECK(local->version.to_string() == "2.1.0+cu118");
  CHECK(build_tag{1, ""} < build_tag{1, "a"});
  CHECK(build_tag{2, ""} > build_tag{1, "z"});
}

TEST_CASE("bad wheel filenames are reported with the filename") {
  struct bad_case {
    const char* filename;
    const char* reason;
  };
  for (const bad_case& c : {
           bad_case{"foo-1.0-py3-none-any.zip", "extension must be '.whl'"},
           bad_case{"foo-1.0-none-any.whl", "wrong number of parts"},
           bad_case{"foo-1.0-1-2-py3-none-any.whl", "wrong number of parts"},
           bad_case{"foo__bar-1.0-py3-none-any.whl", "invalid project name"},
           bad_case{"foo+bar-1.0-py3-none-any.whl", "invalid project name"},
           bad_case{"-1.0-py3-none-any.whl", "empty project name"},
           bad_case{"foo-1.0-abc-py3-none-any.whl", "build tag 'abc' must start with a digit"},
           bad_case{"foo-1.0-99999999999999999999999-py3-none-any.whl", "too large"},
           bad_case{"foo-notaversion-py3-none-any.whl", "invalid version"},
           bad_case{"foo-1.0-py3..py2-none-any.whl", "empty python tag"},
       }) {
    CAPTURE(c.filename);
    auto r = wheel_filename::parse(c.filename);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == pyresolve::errc::invalid_filename);
    CHECK(r.error().message.find(c.filename) != std::string::npos);
    CHECK(r.error().message.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("sdist filenames split on the last dash") {
  auto s = sdist_filename::parse("Django-Rest_Framework-3.14.0.tar.gz");
  REQUIRE(s);
  CHECK(s->name == "django-rest-framework");
  CHECK(s->version.to_string() == "3.14.0");
  CHECK(s->format == sdist_format::tar_gz);
  auto z = sdist_filename::parse("foo-1.0rc1.zip");
  REQUIRE(z);
  CHECK(z->format == sdist_format::zip);
  CHECK(z->version.to_string() == "1.0rc1");

  for (const char* bad : {"foo-1.0.tar.bz2", "foo.tar.gz", "-1.0.zip", "foo-bar.tar.gz", "foo-1.0.whl"}) {
    CAPTURE(bad);
    auto r = sdist_filename::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == pyresolve::errc::invalid_filename);
    CHECK(r.error().message.find(bad) != std::string::npos);
  }
}

TEST_CASE("filenames that could name another path are rejected by both parsers") {
  using namespace std::string_literals;
  for (const std::string& bad :
       {"evil-1.0-1/../../x-py3-none-any.whl"s, "evil-1.0-1\\..\\x-py3-none-any.whl"s,
        "evil-1.0-1\0x-py3-none-any.whl"s, "evil-1.0-1\x1b[2J-py3-none-any.whl"s,
        "evil-1.0-1\x7f-py3-none-any.whl"s, "."s, ".."s}) {
    CAPTURE(bad);
    auto w = wheel_filename::parse(bad);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == pyresolve::errc::invalid_filename);
    CHECK(w.error().message.find('\x1b') == std::string::npos);
  }
  for (const std::string& bad : {"../../evil-1.0.tar.gz"s, "a/evil-1.0.tar.gz"s, "..\\evil-1.0.zip"s,
                                 "evil-1.0\0.tar.gz"s, "evil\n-1.0.tar.gz"s}) {
    CAPTURE(bad);
    auto s = sdist_filename::parse(bad);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == pyresolve::errc::invalid_filename);
    CHECK(s.error().message.find('\n') == std::string::npos);
  }
  // The build tag is where a separator used to hide.
  auto w = wheel_filename::parse("evil-1.0-1/../../x-py3-none-any.whl");
  REQUIRE_FALSE(w);
  CHECK(w.error().message.find("path separator") != std::string::npos);
}
