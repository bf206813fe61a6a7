// The solver through its C++ API: statistics, parents, the options' target, a provider that
// fails, a generated universe. Problems that are only data (a universe, requirements, options
// and the expected answer) are files in cases/, run by cases/run_case.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"
#include "roots.hpp"

namespace {

using namespace pyresolve;

struct outcome {
  bool ok = false;
  std::string pins;         // "a==1.0 b==2.0"
  std::string explanation;  // when !ok
  std::vector<std::string> named;
  resolver::solver_stats stats;  // when ok
};

outcome solve(const std::string& json, std::vector<std::string> roots,
              resolver::resolve_options options = {}) {
  auto uni = resolver::universe_provider::from_json(json, options.environment);
  REQUIRE(uni.has_value());
  const auto reqs = test::parse_roots(roots);
  auto out = resolver::resolve(reqs, options, **uni);
  outcome o;
  o.ok = out.has_value();
  if (o.ok) {
    o.stats = out->stats;
    for (const auto& p : out->packages) {
      if (!o.pins.empty()) o.pins += ' ';
      o.pins += p.name + "==" + p.version.to_string();
    }
  } else {
    o.explanation = out.error().explanation;
    o.named = out.error().packages;
  }
  return o;
}

const char* small_universe = R"({"packages": {
  "pkga": {"1.0": {"requires_dist": []}, "1.1": {"requires_dist": ["pkgb>=1,<2"]},
           "2.0": {"requires_dist": ["pkgb>=2", "pkgc<3", "pkge>=0.5; extra == \"extra1\""], "requires_python": ">=3.7"}},
  "pkgb": {"1.0": {"requires_dist": []}, "2.0": {"requires_dist": ["pkgd>=1", "pkge>=1; python_version >= \"3.8\""]},
           "2.1": {"requires_dist": ["pkgd>=2"]}},
  "pkgc": {"1.0": {"requires_dist": ["pkgd<2"]}, "2.0": {"requires_dist": ["pkgd<2"]}, "3.0": {"requires_dist": ["pkge"]}},
  "pkgd": {"1.0": {}, "1.5": {}, "2.0": {}},
  "pkge": {"0.1": {}, "1.0": {}, "1.0.post1": {}, "1.1rc1": {}}}})";

}  // namespace

TEST_CASE("solver statistics count decisions, backjumps, assignments and incompatibilities") {
  // a 2.0 needs b>=2, which needs c==2, which the root forbids: a conflict after decisions.
  const char* u = R"({"packages": {
    "a": {"1.0": {}, "2.0": {"requires_dist": ["b>=2"]}},
    "b": {"1.0": {}, "2.0": {"requires_dist": ["c==2"]}},
    "c": {"1.0": {}, "2.0": {}}}})";
  auto easy = solve(u, {"c"});
  REQUIRE(easy.ok);
  CHECK(easy.stats.decisions == 2);  // the root, c
  CHECK(easy.stats.backjumps == 0);
  CHECK(easy.stats.assignments >= easy.stats.decisions);
  CHECK(easy.stats.incompatibilities >= 1);
  auto hard = solve(u, {"a", "b", "c<2"});
  REQUIRE(hard.ok);
  CHECK(hard.pins == "a==1.0 b==1.0 c==1.0");
  CHECK(hard.stats.backjumps >= 1);  // a 2.0 was decided before its conflict showed
  CHECK(hard.stats.decisions >= 5);  // root, a 2.0, then after the backjump a, b and c
  CHECK(hard.stats.assignments > hard.stats.decisions);
  CHECK(hard.stats.incompatibilities > easy.stats.incompatibilities);
}

TEST_CASE("parents are reported for via") {
  auto uni = resolver::universe_provider::from_json(small_universe, resolver::resolve_options{}.environment);
  REQUIRE(uni.has_value());
  std::vector<packaging::requirement> reqs{*packaging::requirement::parse("pkga")};
  auto out = resolver::resolve(reqs, {}, **uni);
  REQUIRE(out.has_value());
  for (const auto& p : out->packages) {
    if (p.name == "pkga") CHECK(p.parents == std::vector<std::string>{""});
    if (p.name == "pkgd") CHECK(p.parents == std::vector<std::string>{"pkgb", "pkgc"});
  }
}

TEST_CASE("an empty target in the options is read as the default target (CPython 3.11)") {
  const resolver::resolve_options defaults;
  CHECK(defaults.environment.empty());
  CHECK(&defaults.environment.or_default() == &packaging::target_environment::default_target());
  const auto py312 = packaging::target_environment::create(packaging::python_version{3, 12, std::nullopt},
                                                           packaging::target_platform{});
  CHECK_FALSE(py312.empty());
  CHECK(&py312.or_default() == &py312);
  // Markers and Requires-Python follow the target (cases/target-*.txt): 3.12 when set.
  const char* u = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b; python_version < '3.12'"]}},
    "b": {"1.0": {}, "2.0": {"requires_python": ">=3.12"}}}})";
  resolver::resolve_options on312;
  on312.environment = py312;
  CHECK(solve(u, {"a", "b"}, on312).pins == "a==1.0 b==2.0");
}

TEST_CASE("an unsatisfiable requirement on a project of 100,000 versions is ruled out in linear time") {
  // Each version is read and ruled out once; the solver's own work per version must not grow
  // with the versions ruled out before it. The ceiling only catches a quadratic blow-up (a
  // scan of every earlier version per version took minutes here), it is not a figure.
  std::string json = R"({"packages": {"nothere": {"1.0": {}}, "bad": {)";
  for (int i = 0; i < 100'000; ++i) {
    if (i != 0) json += ',';
    json += "\"1." + std::to_string(i) + R"(": {"requires_dist": ["nothere>=2"]})";
  }
  json += "}}}";
  const auto started = std::chrono::steady_clock::now();
  auto o = solve(json, {"bad"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK_FALSE(o.ok);
  CHECK(o.explanation.find("all versions of bad depend on nothere>=2") != std::string::npos);
  CHECK(elapsed < std::chrono::seconds(60));
}

namespace {
/// The universe, except that one version's dependencies, or one project's versions, cannot be
/// read (as a network failure or an offline miss reads).
class unreadable_provider final : public resolver::provider {
 public:
  unreadable_provider(resolver::provider& inner, std::string name, std::string version)
      : m_inner(inner), m_name(std::move(name)), m_version(std::move(version)) {}
  result<std::span<const resolver::candidate>> versions(std::string_view name) override {
    if (name == m_name && m_version.empty()) return fail(errc::io_error, "cannot read the page of " + m_name);
    return m_inner.versions(name);
  }
  result<std::span<const packaging::requirement>> dependencies(std::string_view name,
                                                               const packaging::version& version) override {
    if (unreadable(name, version)) return fail(errc::io_error, "cannot read the metadata of " + m_name);
    return m_inner.dependencies(name, version);
  }
  result<std::span<const packaging::requirement>> dependencies_without_extra_only(
      std::string_view name, const packaging::version& version) override {
    if (unreadable(name, version)) return fail(errc::io_error, "cannot read the metadata of " + m_name);
    return m_inner.dependencies_without_extra_only(name, version);
  }

 private:
  bool unreadable(std::string_view name, const packaging::version& version) const {
    return name == m_name && version.to_string() == m_version;
  }
  resolver::provider& m_inner;
  std::string m_name, m_version;
};
}  // namespace

TEST_CASE("what the provider cannot read ends the resolve: never an answer without it") {
  auto uni = resolver::universe_provider::from_json(small_universe, {});
  REQUIRE(uni.has_value());
  auto pkga = packaging::requirement::parse("pkga");
  REQUIRE(pkga.has_value());
  const std::vector<packaging::requirement> reqs{*pkga};
  // pkga 2.0's metadata unreadable: pkga 1.1 would resolve, and must not be the answer.
  unreadable_provider metadata(**uni, "pkga", "2.0");
  auto out = resolver::resolve(reqs, {}, metadata);
  REQUIRE_FALSE(out);
  CHECK(out.error().what == resolver::resolve_failure::kind::unreadable);
  CHECK(out.error().explanation == "cannot read the metadata of pkga");
  // A dependency's page unreadable.
  unreadable_provider page(**uni, "pkgd", "");
  out = resolver::resolve(reqs, {}, page);
  REQUIRE_FALSE(out);
  CHECK(out.error().what == resolver::resolve_failure::kind::unreadable);
  CHECK(out.error().explanation == "cannot read the page of pkgd");
  // Everything readable: the known answer.
  auto fine = resolver::resolve(reqs, {}, **uni);
  REQUIRE(fine);
}
