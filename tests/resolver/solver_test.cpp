// Hand-made problems for the PubGrub core, served by the in-memory universe provider.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"

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
  std::vector<packaging::requirement> reqs;
  for (const auto& r : roots) {
    auto req = packaging::requirement::parse(r);
    REQUIRE(req.has_value());
    reqs.push_back(*req);
  }
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

TEST_CASE("backtracking over pkgb 2.1 gives the known answer") {
  auto o = solve(small_universe, {"pkga"});
  REQUIRE(o.ok);
  CHECK(o.pins == "pkga==2.0 pkgb==2.0 pkgc==2.0 pkgd==1.5 pkge==1.0.post1");
}

TEST_CASE("lowest resolution") {
  resolver::resolve_options options;
  options.strategy = resolver::resolution_strategy::lowest;
  auto o = solve(small_universe, {"pkga>=1.1"}, options);
  REQUIRE(o.ok);
  CHECK(o.pins == "pkga==1.1 pkgb==1.0");
}

TEST_CASE("extras pull their dependencies and pin the base version") {
  const char* u = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["x; extra == \"fast\""]}, "2.0": {"requires_dist": ["y; extra == \"fast\""]}},
    "x": {"1.0": {}}, "y": {"1.0": {}}}})";
  CHECK(solve(u, {"a"}).pins == "a==2.0");
  CHECK(solve(u, {"a[fast]"}).pins == "a==2.0 y==1.0");
  // The extra's version follows the base package's range.
  CHECK(solve(u, {"a[fast]", "a<2"}).pins == "a==1.0 x==1.0");
}

TEST_CASE("markers are evaluated for the target") {
  const char* u = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["w; sys_platform == \"win32\"", "l; sys_platform == \"linux\"",
                                    "old; python_version < \"3.8\""]}},
    "w": {"1.0": {}}, "l": {"1.0": {}}, "old": {"1.0": {}}}})";
  CHECK(solve(u, {"a"}).pins == "a==1.0 l==1.0");
  CHECK(solve(u, {"a", "w; python_version < \"3\""}).pins == "a==1.0 l==1.0");
  resolver::resolve_options windows;
  windows.environment = *packaging::target_environment::create("3.11", "windows");
  CHECK(solve(u, {"a"}, windows).pins == "a==1.0 w==1.0");
}

TEST_CASE("pre-releases: if necessary or explicit") {
  const char* u = R"({"packages": {
    "a": {"1.0": {}, "2.0b1": {}}, "onlypre": {"1.0a1": {}, "1.0a2": {}}}})";
  CHECK(solve(u, {"a"}).pins == "a==1.0");
  CHECK(solve(u, {"a>=2.0b1"}).pins == "a==2.0b1");
  CHECK(solve(u, {"onlypre"}).pins == "onlypre==1.0a2");
  resolver::resolve_options allow;
  allow.prerelease = resolver::prerelease_mode::allow;
  CHECK(solve(u, {"a"}, allow).pins == "a==2.0b1");
  resolver::resolve_options disallow;
  disallow.prerelease = resolver::prerelease_mode::disallow;
  auto o = solve(u, {"onlypre"}, disallow);
  CHECK_FALSE(o.ok);
  CHECK(o.explanation.find("pre-releases") != std::string::npos);
}

TEST_CASE("requires-python excludes versions") {
  const char* u = R"({"packages": {
    "a": {"1.0": {}, "2.0": {"requires_python": ">=3.12"}}}})";
  CHECK(solve(u, {"a"}).pins == "a==1.0");
  auto o = solve(u, {"a>=2"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.explanation.find("Python") != std::string::npos);
}

TEST_CASE("yanked versions only when pinned") {
  const char* u = R"({"packages": {"a": {"1.0": {}, "2.0": {"yanked": true}}}})";
  CHECK(solve(u, {"a"}).pins == "a==1.0");
  CHECK(solve(u, {"a==2.0"}).pins == "a==2.0");
}

TEST_CASE("yanked versions only for the user's own pin, not a dependency's (uv)") {
  const char* u =
      R"({"packages": {"a": {"1.0": {"requires_dist": ["c==2.0"]}}, "b": {"1.0": {"requires_dist": ["c"]}},
    "c": {"1.0": {}, "2.0": {"yanked": true}}}})";
  auto o = solve(u, {"a", "b"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.named == std::vector<std::string>{"a", "c"});
  CHECK(solve(u, {"a", "b", "c==2.0"}).pins == "a==1.0 b==1.0 c==2.0");
  resolver::resolve_options options;
  options.constraints.push_back(*packaging::requirement::parse("c==2.0"));
  CHECK(solve(u, {"a", "b"}, options).pins == "a==1.0 b==1.0 c==2.0");
}

TEST_CASE("explanation: dependency on a missing range") {
  const char* u = R"({"packages": {"a": {"1.0": {"requires_dist": ["b>=2"]}}, "b": {"1.0": {}}}})";
  auto o = solve(u, {"a"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.explanation ==
        "Because a depends on b>=2 and only b<2 is available, we can conclude that a cannot be used.\n"
        "And because you require a, your requirements are unsatisfiable.");
  CHECK(o.named == std::vector<std::string>{"a", "b"});
}

TEST_CASE("explanation: not found, and a direct conflict") {
  const char* u =
      R"({"packages": {"a": {"1.0": {"requires_dist": ["c>=2,<3"]}}, "b": {"1.0": {"requires_dist": ["c<2"]}},
                       "c": {"1.0": {}, "2.0": {}}}})";
  auto o = solve(u, {"nothere"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.explanation ==
        "Because nothere was not found in the package registry and you require nothere, "
        "your requirements are unsatisfiable.");
  o = solve(u, {"a", "b"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.explanation.find("a depends on c>=2,<3") != std::string::npos);
  CHECK(o.explanation.find("b depends on c<2") != std::string::npos);
  CHECK(o.explanation.find("your requirements are unsatisfiable.") != std::string::npos);
}

TEST_CASE("explanation: exact pins of many versions read as one range of the versions that exist") {
  // Each a pins its own b (awscli and botocore): the derivation unites b==1.0 | b==1.1 | ...
  const char* u = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b==1.0"]}, "1.1": {"requires_dist": ["b==1.1"]}, "1.2": {"requires_dist": ["b==1.2"]},
          "1.3": {"requires_dist": ["b==1.3"]}},
    "b": {"0.9": {}, "1.0": {}, "1.1": {}, "1.2": {}, "1.3": {}}}})";
  auto o = solve(u, {"a", "b<1"});
  REQUIRE_FALSE(o.ok);
  CAPTURE(o.explanation);
  CHECK(o.explanation.find("you require b>=1.0") != std::string::npos);
  CHECK(o.explanation.find(" | ") == std::string::npos);
  CHECK(o.explanation.find("a==1.3 depends on b==1.3") != std::string::npos);
  CHECK(o.explanation.find("your requirements are unsatisfiable.") != std::string::npos);
}

TEST_CASE("a version whose own dependencies already conflict is ruled out without a decision") {
  // c (decided first: it is first seen) pins b==1; every a but the oldest needs b==2. Each
  // such a is rejected by propagation at c's level, and a==1.0 is chosen; the answer is what
  // it must be whatever the order of rejections.
  const char* u = R"({"packages": {
    "c": {"1.0": {"requires_dist": ["b==1"]}},
    "a": {"1.0": {"requires_dist": ["b==1"]}, "2.0": {"requires_dist": ["b==2"]}, "3.0": {"requires_dist": ["b==2"]},
          "4.0": {"requires_dist": ["b==2", "d"]}},
    "b": {"1": {}, "2": {}},
    "d": {"1.0": {}}}})";
  auto o = solve(u, {"c", "a"});
  REQUIRE(o.ok);
  CHECK(o.pins == "a==1.0 b==1 c==1.0");
  // One decision per pin (and the root's): a 4.0, 3.0 and 2.0 were never decided, so no
  // conflict undid anything. Deciding them, as before the rule, backjumped three times.
  CHECK(o.stats.decisions == 4);
  CHECK(o.stats.backjumps == 0);
}

TEST_CASE("a conflict that teaches a fact about one package undoes only the level that caused it") {
  // p1..p8 are decided first (first seen), then x 2.0, whose dependency z has no version. The
  // clause learned is "z cannot be used", which no earlier decision caused: backtracking undoes
  // x's level only, x 1.0 is chosen, and p1..p8 are not decided again. PubGrub's textbook jump
  // to level 1 made all eight again (19 decisions instead of 11), to the same pins.
  const char* u = R"({"packages": {
    "p1": {"1.0": {}}, "p2": {"1.0": {}}, "p3": {"1.0": {}}, "p4": {"1.0": {}},
    "p5": {"1.0": {}}, "p6": {"1.0": {}}, "p7": {"1.0": {}}, "p8": {"1.0": {}},
    "x": {"1.0": {}, "2.0": {"requires_dist": ["z"]}},
    "z": {}}})";
  auto o = solve(u, {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "x"});
  REQUIRE(o.ok);
  CHECK(o.pins == "p1==1.0 p2==1.0 p3==1.0 p4==1.0 p5==1.0 p6==1.0 p7==1.0 p8==1.0 x==1.0");
  CHECK(o.stats.backjumps == 1);
  CHECK(o.stats.decisions == 11);  // the root, p1..p8, x 2.0, x 1.0
}

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

TEST_CASE("an extra the chosen version does not define pins the base and is reported, as uv warns") {
  const char* u =
      R"({"packages": {"a": {"1.0": {"requires_dist": ["b; extra == \"x\""]}}, "b": {"1.0": {}}}})";
  auto uni = resolver::universe_provider::from_json(u, {});
  REQUIRE(uni.has_value());
  auto resolve = [&](const char* text) {
    std::vector<packaging::requirement> reqs{*packaging::requirement::parse(text)};
    auto out = resolver::resolve(reqs, {}, **uni);
    REQUIRE(out.has_value());
    return *out;
  };
  const auto unknown = resolve("a[y]");
  REQUIRE(unknown.packages.size() == 1);
  CHECK(unknown.packages[0].name == "a");
  CHECK(unknown.warnings ==
        std::vector<std::string>{"The package `a==1.0` does not have an extra named `y`"});
  const auto known = resolve("a[x]");
  CHECK(known.packages.size() == 2);
  CHECK(known.warnings.empty());
}

TEST_CASE("no versions at all and conflicting root requirements") {
  const char* u = R"({"packages": {"a": {"1.0": {}, "2.0": {}}}})";
  auto o = solve(u, {"a>=3"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.explanation.find("only a<3 is available") != std::string::npos);
  o = solve(u, {"a<2", "a>=2"});
  REQUIRE_FALSE(o.ok);
  CHECK(o.named == std::vector<std::string>{"a"});
}

TEST_CASE("deep backtracking picks an older parent") {
  // Every new version of b needs a newer c than exists; only b 1.0 works.
  const char* u = R"({"packages": {
    "b": {"1.0": {"requires_dist": ["c<2"]}, "2.0": {"requires_dist": ["c>=5"]}, "3.0": {"requires_dist": ["c>=6"]}},
    "c": {"1.0": {}, "1.5": {}}}})";
  CHECK(solve(u, {"b"}).pins == "b==1.0 c==1.5");
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

namespace {
const char* options_universe = R"({"packages": {
  "app": {"1.0": {"requires_dist": ["lib>=1"]}, "2.0": {"requires_dist": ["lib>=2"]}},
  "lib": {"1.0": {}, "2.0": {}, "2.1b1": {}, "3.0": {}},
  "onlypre": {"1.0a1": {}, "1.0b2": {}},
  "other": {"1.0": {"requires_dist": ["onlypre"]}}}})";
}  // namespace

TEST_CASE("pre-release modes: explicit and if-necessary") {
  resolver::resolve_options expl;
  expl.prerelease = resolver::prerelease_mode::explicit_only;
  // Named explicitly by the user: the pre-release competes.
  CHECK(solve(options_universe, {"lib>=2.1b1,<3"}, expl).pins == "lib==2.1b1");
  // Only pre-releases exist, but nobody names one: explicit refuses them.
  CHECK_FALSE(solve(options_universe, {"other"}, expl).ok);
  resolver::resolve_options necessary;
  necessary.prerelease = resolver::prerelease_mode::if_necessary;
  CHECK(solve(options_universe, {"other"}, necessary).pins == "onlypre==1.0b2 other==1.0");
  // A final release in range wins; the explicit pre-release is not enough in this mode.
  CHECK(solve(options_universe, {"lib>=2.1b1"}, necessary).pins == "lib==3.0");
  CHECK(solve(options_universe, {"lib>=2.1b1,<3"}, necessary).pins == "lib==2.1b1");
}

TEST_CASE("lowest-direct: lowest for the user's requirements, highest below") {
  resolver::resolve_options options;
  options.strategy = resolver::resolution_strategy::lowest_direct;
  CHECK(solve(options_universe, {"app"}, options).pins == "app==1.0 lib==3.0");
  options.strategy = resolver::resolution_strategy::lowest;
  CHECK(solve(options_universe, {"app"}, options).pins == "app==1.0 lib==1.0");
}

TEST_CASE("constraints narrow a required package and add none") {
  resolver::resolve_options options;
  options.constraints.push_back(*packaging::requirement::parse("lib<2"));
  options.constraints.push_back(*packaging::requirement::parse("onlypre==1.0a1"));
  CHECK(solve(options_universe, {"app"}, options).pins == "app==1.0 lib==1.0");
  options.constraints.push_back(*packaging::requirement::parse("lib<1; python_version < '3'"));
  CHECK(solve(options_universe, {"app"}, options).pins == "app==1.0 lib==1.0");
  options.constraints.push_back(*packaging::requirement::parse("lib<1"));
  CHECK_FALSE(solve(options_universe, {"app"}, options).ok);
}

TEST_CASE("overrides replace every requirement on a package") {
  resolver::resolve_options options;
  options.overrides.push_back(*packaging::requirement::parse("lib==1.0"));
  // app 2.0 requires lib>=2, the override replaces it.
  CHECK(solve(options_universe, {"app==2.0"}, options).pins == "app==2.0 lib==1.0");
  CHECK(solve(options_universe, {"lib>=3"}, options).pins == "lib==1.0");
}

TEST_CASE("preferences are tried first; upgrade drops them") {
  resolver::resolve_options options;
  options.preferences.push_back(resolver::preference{"LIB", *packaging::version::parse("2.0")});
  CHECK(solve(options_universe, {"app"}, options).pins == "app==2.0 lib==2.0");
  // A preference outside the range is ignored.
  CHECK(solve(options_universe, {"lib>=3"}, options).pins == "lib==3.0");
  options.upgrade_packages.emplace_back("lib");
  CHECK(solve(options_universe, {"app"}, options).pins == "app==2.0 lib==3.0");
  options.upgrade_packages.clear();
  options.upgrade = true;
  CHECK(solve(options_universe, {"app"}, options).pins == "app==2.0 lib==3.0");
}

TEST_CASE("an empty target in the options is read as the default target (CPython 3.11)") {
  const resolver::resolve_options defaults;
  CHECK(defaults.environment.empty());
  CHECK(&defaults.environment.or_default() == &packaging::target_environment::default_target());
  const auto py312 = packaging::target_environment::create(packaging::python_version{3, 12, std::nullopt},
                                                           packaging::target_platform{});
  CHECK_FALSE(py312.empty());
  CHECK(&py312.or_default() == &py312);
  // Markers and Requires-Python follow the target: 3.11 by default, 3.12 when set.
  const char* u = R"({"packages": {
    "a": {"1.0": {"requires_dist": ["b; python_version < '3.12'"]}},
    "b": {"1.0": {}, "2.0": {"requires_python": ">=3.12"}}}})";
  CHECK(solve(u, {"a", "b"}).pins == "a==1.0 b==1.0");
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
  CHECK(o.explanation.find("bad depends on nothere>=2") != std::string::npos);
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
