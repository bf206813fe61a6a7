#include <doctest/doctest.h>

#include <map>

#include "pyresolve/packaging/specifier.hpp"
#include "test_data.hpp"

using namespace pyresolve::packaging;
using pyresolve::test::read_rows;

namespace {
std::optional<bool> tri(const std::string& s) {
  if (s == "True") return true;
  if (s == "False") return false;
  return std::nullopt;
}
}  // namespace

TEST_CASE("specifiers parse, print and infer pre-releases as packaging does") {
  const auto rows = read_rows("specifiers.txt");
  REQUIRE(rows.size() > 90);
  std::size_t invalid = 0;
  for (const auto& r : rows) {
    CAPTURE(r[0]);
    auto s = specifier::parse(r[0]);
    if (r[1] == "INVALID") {
      ++invalid;
      REQUIRE_FALSE(s.has_value());
      CHECK(s.error().code == pyresolve::errc::invalid_specifier);
      CHECK(s.error().column >= 1);
      CHECK(s.error().message.rfind("invalid specifier '" + r[0] + "': ", 0) == 0);
      continue;
    }
    REQUIRE(s.has_value());
    CHECK(s->to_string() == r[1]);
    // "E": packaging raises (the === operand is no version); we answer false.
    CHECK(s->implies_prereleases() == (r[2] == "1"));
    auto again = specifier::parse(s->to_string());
    REQUIRE(again.has_value());
    CHECK(again->to_string() == s->to_string());
  }
  CHECK(invalid > 20);
}

TEST_CASE("Specifier.contains table, with prereleases None/True/False") {
  const auto rows = read_rows("specifiers_contains.txt");
  REQUIRE(rows.size() > 30000);
  std::map<std::string, specifier> specs;
  std::map<std::string, version> versions;
  std::size_t checked = 0;
  for (const auto& r : rows) {
    auto it = specs.find(r[0]);
    if (it == specs.end()) {
      auto s = specifier::parse(r[0]);
      REQUIRE_MESSAGE(s.has_value(), r[0]);
      it = specs.emplace(r[0], *s).first;
    }
    auto vt = versions.find(r[1]);
    if (vt == versions.end()) {
      auto v = version::parse(r[1]);
      REQUIRE_MESSAGE(v.has_value(), r[1]);
      vt = versions.emplace(r[1], *v).first;
    }
    const bool got = it->second.contains(vt->second, tri(r[2]));
    if (got != (r[3] == "1")) {
      FAIL_CHECK(r[0] << " contains " << r[1] << " (prereleases=" << r[2] << "): got " << got);
    }
    ++checked;
  }
  CHECK(checked == rows.size());
}

TEST_CASE("SpecifierSet parse, str, prereleases and contains table") {
  const auto rows = read_rows("specifier_sets.txt");
  REQUIRE(rows.size() > 5000);
  std::map<std::string, specifier_set> sets;
  for (const auto& r : rows) {
    if (r[0][0] != '@') {
      CAPTURE(r[0]);
      auto s = specifier_set::parse(r[0]);
      if (r[1] == "INVALID") {
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().code == pyresolve::errc::invalid_specifier);
        continue;
      }
      REQUIRE(s.has_value());
      CHECK(s->to_string() == r[1]);
      CHECK(s->implies_prereleases() == (r[2] == "1"));
      sets.emplace(r[0], *s);
      continue;
    }
    const std::string name = r[0].substr(1);
    const auto v = version::parse(r[1]);
    REQUIRE(v.has_value());
    const bool got = sets.at(name).contains(*v, tri(r[2]));
    if (got != (r[3] == "1"))
      FAIL_CHECK("'" << name << "' contains " << r[1] << " (" << r[2] << "): got " << got);
  }
}

TEST_CASE("pre-release and local rules of the ordered operators") {
  auto s = [](const char* t) { return *specifier::parse(t); };
  auto v = [](const char* t) { return *version::parse(t); };
  CHECK_FALSE(s(">1.7").contains(v("1.7.post1")));
  CHECK(s(">1.7").contains(v("1.7.1")));
  CHECK(s(">1.7.post2").contains(v("1.7.post3")));
  CHECK_FALSE(s(">1.7").contains(v("1.7+local")));
  CHECK_FALSE(s("<1.7").contains(v("1.7a1"), true));
  CHECK(s("<1.7rc1").contains(v("1.7a1"), true));
  CHECK(s("==1.2.*").contains(v("1.2")));
  CHECK(s("==1.2.*").contains(v("1.2.0.0.7")));
  CHECK_FALSE(s("==1.2.*").contains(v("1.20")));
  CHECK(s("==1.2.0.*").contains(v("1.2")));
  CHECK(s("~=2.2").contains(v("2.9")));
  CHECK_FALSE(s("~=2.2").contains(v("3.0")));
  CHECK(s("~=2.2.0").contains(v("2.2.7")));
  CHECK_FALSE(s("~=2.2.0").contains(v("2.3")));
  CHECK(s("!=1.0").contains(v("1.0.1")));
  CHECK_FALSE(s("!=1.0").contains(v("1.0+abc")));
  CHECK(s("===1.0").contains(v("1.0")));
  CHECK_FALSE(s("===1.0").contains(v("1.0.0")));
  CHECK(s("===1.0+ABC").contains(v("1.0+abc")));
  // Quirks of packaging's string-based prefix matching, kept on purpose.
  CHECK_FALSE(s("==1!1.*").contains(v("1!1.0a1"), true));
  CHECK(s("==0.*").contains(v("1!5.0")));
  CHECK_FALSE(s("==1!1.0.*").contains(v("1!1.0")));
}

TEST_CASE("specifier_set errors point into the whole text") {
  auto bad = specifier_set::parse(">=1.0, <2.0+x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().column == 12);
  CHECK(bad.error().message.find("at column 12") != std::string::npos);
  CHECK(specifier_set::parse("").value().empty());
  CHECK(specifier_set::parse(" , ").value().empty());
}

TEST_CASE("from_parts rebuilds what parse gives, without parsing") {
  const std::vector<std::string> probes{"1.0",   "1.4.5", "1.4.9",     "1.5",      "2.0",
                                        "1.0a1", "1!1.0", "1.2.3+loc", "2.0.post1"};
  for (const char* text : {"~=1.4.5", "==1.2.*", "!=2.0.*", ">=1.0a1", "===foobar", "<3", ">1!0.5",
                           "==1.2.3+loc", "<= 2.0.post1"}) {
    INFO(text);
    auto spec = specifier::parse(text);
    REQUIRE(spec);
    auto back =
        specifier::from_parts(spec->op(), spec->has_wildcard(), spec->operand(), spec->operand_text());
    REQUIRE(back);
    CHECK(*back == *spec);
    CHECK(back->to_string() == spec->to_string());
    for (const auto& p : probes)
      CHECK(back->contains(pyresolve::test::must_parse(p)) == spec->contains(pyresolve::test::must_parse(p)));
  }
  CHECK_FALSE(
      specifier::from_parts(spec_op::greater_equal, true, pyresolve::test::must_parse("1.0"), "1.0.*"));
  CHECK_FALSE(specifier::from_parts(spec_op::less, false, pyresolve::test::must_parse("1.0"), ""));
  CHECK_FALSE(
      specifier::from_parts(static_cast<spec_op>(200), false, pyresolve::test::must_parse("1.0"), "1.0"));
}

TEST_CASE("Requires-Python read by its lower bounds, as uv reads it") {
  const auto admits = [](std::string_view spec, std::string_view python) {
    auto set = specifier_set::parse(spec);
    REQUIRE(set.has_value());
    auto v = version::parse(python);
    REQUIRE(v.has_value());
    return set->admits_python_from(*v);
  };
  CHECK(admits("<=3.8", "3.9"));
  CHECK(admits(">=3.7,<3.9", "3.11"));
  CHECK(admits("!=3.11.*", "3.11"));
  CHECK(admits("==3.8.*", "3.9"));
  CHECK(admits("~=3.8", "3.12"));
  CHECK_FALSE(admits(">=3.12", "3.11"));
  CHECK_FALSE(admits(">3.11", "3.11"));
  CHECK_FALSE(admits("~=3.12", "3.11"));
  CHECK_FALSE(admits("==3.12.*", "3.11"));
  CHECK_FALSE(admits("==3.12.1", "3.11"));
  CHECK(admits("", "3.11"));
}
