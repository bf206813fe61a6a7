#include <doctest/doctest.h>

#include "pyresolve/packaging/name.hpp"

using namespace pyresolve::packaging;

TEST_CASE("PEP 503 normalization folds case and runs of separators") {
  CHECK(normalize_name("Friendly-Bard") == "friendly-bard");
  CHECK(normalize_name("FRIENDLY-BARD") == "friendly-bard");
  CHECK(normalize_name("friendly.bard") == "friendly-bard");
  CHECK(normalize_name("friendly_bard") == "friendly-bard");
  CHECK(normalize_name("friendly--bard") == "friendly-bard");
  CHECK(normalize_name("FrIeNdLy-._.-bArD") == "friendly-bard");
  CHECK(normalize_name("zope.interface") == "zope-interface");
}

TEST_CASE("PEP 508 names are validated with the failing column") {
  CHECK(is_valid_name("a"));
  CHECK(is_valid_name("A1"));
  CHECK(is_valid_name("typing_extensions"));
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name("-a"));
  CHECK_FALSE(is_valid_name("a-"));
  CHECK_FALSE(is_valid_name("a b"));
  CHECK_FALSE(is_valid_name("caf\xc3\xa9"));
  auto bad = parse_name("foo bar");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().column == 4);
  CHECK(bad.error().code == pyresolve::errc::invalid_name);
  auto good = parse_name("Zope.Interface");
  REQUIRE(good);
  CHECK(*good == "zope-interface");
}

TEST_CASE("is_normalized_name agrees with normalize_name") {
  for (const char* name : {"abc", "a-b", "A-b", "a_b", "a.b", "a--b", "a-b-c", "x1"}) {
    CHECK(is_normalized_name(name) == (normalize_name(name) == name));
  }
}
