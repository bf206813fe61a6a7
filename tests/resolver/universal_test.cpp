// Universal resolution through the C++ API on in-memory universes: forks by marker, markers
// of the merged pins, Requires-Python per fork, preferences across forks, failures that name
// their fork. uv's own scenarios run through the CLI (run_scenarios.py).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"
#include "roots.hpp"

namespace {

using namespace pyresolve;

struct answer {
  bool ok = false;
  std::string pins;  // "a==1.0 ; marker | b==2.0"
  std::string explanation;
  resolver::solver_stats stats;
};

answer universal(const std::string& json, const std::vector<std::string>& roots,
                 const std::string& universe = "python_full_version >= '3.8'",
                 resolver::resolve_options options = {}) {
  auto uni = resolver::universe_provider::from_json(json, options.environment);
  REQUIRE(uni.has_value());
  const auto reqs = test::parse_roots(roots);
  auto m = packaging::marker::parse(universe);
  REQUIRE(m.has_value());
  options.universal = *m;
  auto out = resolver::resolve(reqs, options, **uni);
  answer a;
  a.ok = out.has_value();
  if (!a.ok) {
    a.explanation = out.error().explanation;
    return a;
  }
  a.stats = out->stats;
  for (const auto& p : out->packages) {
    if (!a.pins.empty()) a.pins += " | ";
    a.pins += p.name + "==" + p.version.to_string();
    if (!p.marker.empty()) a.pins += " ; " + p.marker;
  }
  return a;
}

}  // namespace

TEST_CASE("disjoint markers with different ranges fork: one version per side, each with its marker") {
  const char* json = R"({"packages": {
    "a": {"1.0": {}, "2.0": {}},
    "c": {"1.0": {}}}})";
  auto out = universal(json, {"a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform == 'darwin'", "c"});
  REQUIRE(out.ok);
  CHECK(out.pins == "a==1.0 ; sys_platform == 'darwin' | a==2.0 ; sys_platform == 'linux' | c==1.0");
  CHECK(out.stats.forks >= 2);
}

TEST_CASE("requirements with the same marker do not fork: contradictory ones fail") {
  const char* json = R"({"packages": {"a": {"1.0": {}, "2.0": {}}}})";
  auto out = universal(json, {"a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform == 'linux'"});
  CHECK_FALSE(out.ok);
  CHECK(out.explanation.find("sys_platform == 'linux'") != std::string::npos);
}

TEST_CASE("a dependency behind a marker is written with that marker, inherited transitively") {
  const char* json = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b ; sys_platform == 'win32'"]}},
    "b": {"1.0": {"requires_dist": ["c ; python_version >= '3.10'"]}},
    "c": {"1.0": {}}}})";
  auto out = universal(json, {"a"});
  REQUIRE(out.ok);
  CHECK(out.pins ==
        "a==1.0 | b==1.0 ; sys_platform == 'win32' | "
        "c==1.0 ; python_full_version >= '3.10' and sys_platform == 'win32'");
  CHECK(out.stats.forks == 1);
}

TEST_CASE("markers that the universe's Python range already decides are dropped") {
  const char* json = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b ; python_version < '3.8'", "c ; python_version >= '3.8'"]}},
    "b": {"1.0": {}}, "c": {"1.0": {}}}})";
  auto out = universal(json, {"a"}, "python_full_version >= '3.9'");
  REQUIRE(out.ok);
  CHECK(out.pins == "a==1.0 | c==1.0");
}

TEST_CASE("Requires-Python is checked against each fork's lowest Python, lower bounds only") {
  // numpy 2.0 needs 3.10; the fork on python_version gives it to the upper side alone. The
  // upper bound of 1.0's Requires-Python is ignored, as uv ignores it.
  const char* json = R"({"packages": {
    "numpy": {"1.0": {"requires_python": ">=3.8,<3.11"}, "2.0": {"requires_python": ">=3.10"}}}})";
  auto out = universal(json, {"numpy>=2 ; python_version >= '3.10'", "numpy<2 ; python_version < '3.10'"});
  REQUIRE(out.ok);
  CHECK(out.pins == "numpy==1.0 ; python_full_version < '3.10' | numpy==2.0 ; python_full_version >= '3.10'");
}

TEST_CASE("a version that needs a newer Python splits the Python range (uv's requires-python strategy)") {
  const char* json = R"({"packages": {
    "numpy": {"1.0": {"requires_python": ">=3.8"}, "2.0": {"requires_python": ">=3.10"}},
    "pin": {"1.0": {"requires_dist": ["numpy<2"]}}}})";
  auto out = universal(json, {"numpy"});
  REQUIRE(out.ok);
  CHECK(out.pins == "numpy==1.0 ; python_full_version < '3.10' | numpy==2.0 ; python_full_version >= '3.10'");
  CHECK(out.stats.forks == 2);
  // From 3.10 up there is nothing to split.
  auto later = universal(json, {"numpy"}, "python_full_version >= '3.10'");
  REQUIRE(later.ok);
  CHECK(later.pins == "numpy==2.0");
  CHECK(later.stats.forks == 1);
  // Where another requirement rules the newer version out anyway, the split still happens
  // (uv splits on the version it would take) and both sides agree on 1.0.
  auto pinned = universal(json, {"numpy", "pin"});
  REQUIRE(pinned.ok);
  CHECK(pinned.pins == "numpy==1.0 | pin==1.0");
}

TEST_CASE("forks agree where they can: the other forks prefer what the last one chose") {
  // The last side (not linux, the one uv solves first) takes b 2.0 because a 1.0 needs b<3;
  // the linux side, free to take b 3.0, prefers b 2.0, so b is one pin everywhere.
  const char* json = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b<3"]}, "2.0": {"requires_dist": ["b"]}},
    "b": {"1.0": {}, "2.0": {}, "3.0": {}}}})";
  auto out = universal(json, {"a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform != 'linux'", "b"});
  REQUIRE(out.ok);
  CHECK(out.pins == "a==1.0 ; sys_platform != 'linux' | a==2.0 ; sys_platform == 'linux' | b==2.0");
}

TEST_CASE("extras: a requirement under an extra is read for that extra in every fork") {
  const char* json = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b ; extra == 'x' and sys_platform == 'darwin'", "c ; extra == 'y'"]}},
    "b": {"1.0": {}}, "c": {"1.0": {}}}})";
  auto out = universal(json, {"a[x]"});
  REQUIRE(out.ok);
  CHECK(out.pins == "a==1.0 | b==1.0 ; sys_platform == 'darwin'");
}

TEST_CASE("a failure in one fork says which fork") {
  const char* json = R"({"packages": {
    "a": {"1.0": {}, "2.0": {}, "3.0": {}},
    "b": {"1.0": {"requires_dist": ["a>=3 ; os_name == 'nt'", "a<3 ; os_name != 'nt'"]}}}})";
  const auto out = universal(json, {"b", "a>=2 ; sys_platform == 'linux'", "a<2 ; sys_platform != 'linux'"});
  REQUIRE_FALSE(out.ok);
  CHECK(out.explanation.rfind("In the split where os_name == 'nt' and sys_platform != 'linux':", 0) == 0);
}
