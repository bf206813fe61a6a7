// The direct-source layer over another provider: one version per direct name, and URL
// requirements of other packages refused unless the user gave that URL.
#include <doctest/doctest.h>

#include <string>

#include "pyresolve/resolver/direct_provider.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"
#include "roots.hpp"

namespace {

using namespace pyresolve;

const char* universe = R"({"packages": {
  "app": {"1.0": {"requires_dist": ["lib"]}, "3.0": {"requires_dist": ["lib"]}},
  "lib": {"1.0": {}, "2.0": {}},
  "uses-url": {"1.0": {"requires_dist": ["app @ https://host/app-2.0-py3-none-any.whl"]}},
  "plain": {"1.0": {}, "2.0": {"requires_dist": ["lib @ https://elsewhere/lib-9.0-py3-none-any.whl"]}}}})";

resolver::direct_package app_by_url() {
  resolver::direct_package app;
  app.name = "App";
  app.version = *packaging::version::parse("2.0");
  app.requires_dist = test::parse_roots({"lib<2"});
  app.url = "https://host/app-2.0-py3-none-any.whl";
  return app;
}

std::string pins(const resolver::resolution& r) {
  std::string out;
  for (const auto& p : r.packages) out += (out.empty() ? "" : " ") + p.name + "==" + p.version.to_string();
  return out;
}

}  // namespace

TEST_CASE("a direct package is the only version of its name, with its own requirements") {
  auto uni = resolver::universe_provider::from_json(universe, {});
  REQUIRE(uni);
  resolver::direct_provider direct(**uni, {app_by_url()});
  auto out =
      resolver::resolve(test::parse_roots({"app @ https://host/app-2.0-py3-none-any.whl"}), {}, direct);
  REQUIRE(out);
  CHECK(pins(*out) == "app==2.0 lib==1.0");
  REQUIRE(direct.find("APP") != nullptr);
  CHECK(direct.find("lib") == nullptr);

  // Another requirement on it must agree with its version.
  auto conflict = resolver::resolve(
      test::parse_roots({"app @ https://host/app-2.0-py3-none-any.whl", "app>=3"}), {}, direct);
  REQUIRE(!conflict);
  CHECK(conflict.error().what == resolver::resolve_failure::kind::unsatisfiable);
}

TEST_CASE("URL requirements of index packages need the user's same URL") {
  auto uni = resolver::universe_provider::from_json(universe, {});
  REQUIRE(uni);
  {
    resolver::direct_provider direct(**uni, {});
    // plain 2.0 asks for lib from a URL nobody gave: plain 1.0 is taken instead.
    auto out = resolver::resolve(test::parse_roots({"plain"}), {}, direct);
    REQUIRE(out);
    CHECK(pins(*out) == "plain==1.0");
    // With nothing else to take, the explanation names the URL.
    auto refused = resolver::resolve(test::parse_roots({"uses-url"}), {}, direct);
    REQUIRE(!refused);
    CHECK(refused.error().explanation.find("https://host/app-2.0-py3-none-any.whl") != std::string::npos);
    CHECK(refused.error().explanation.find("direct") != std::string::npos);
  }
  resolver::direct_provider direct(**uni, {app_by_url()});
  auto out = resolver::resolve(test::parse_roots({"uses-url", "app @ https://host/app-2.0-py3-none-any.whl"}),
                               {}, direct);
  REQUIRE(out);
  CHECK(pins(*out) == "app==2.0 lib==1.0 uses-url==1.0");
}
