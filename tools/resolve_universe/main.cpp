// resolve-universe: drives the solver over a universe JSON file (the peers' format), for
// tests, peers and benchmarks. Prints `name==version` lines sorted by name (with `--via`,
// the parents below each), or the explanation on stderr with exit code 1; exit code 2 for
// usage and input errors. `--print-allocator` prints which allocator serves malloc in this
// process (allocator::process_allocator_name), so tests can prove what each
// -mimalloc/-jemalloc variant and each LD_PRELOAD run really uses.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "pyresolve/allocator/resource.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"

namespace {

using namespace pyresolve;

/// Parses each text as a PEP 508 requirement; the first failure is printed.
bool parse_all(const std::vector<std::string>& texts, std::vector<packaging::requirement>& into) {
  for (const auto& text : texts) {
    auto req = packaging::requirement::parse(text);
    if (!req) {
      std::fprintf(stderr, "error: %s\n", req.error().to_string().c_str());
      return false;
    }
    into.push_back(std::move(*req));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string python = "3.11.7";  // what check_solution.py assumes
  std::string platform = "linux";
  std::string resolution = "highest";
  std::string prerelease = "if-necessary-or-explicit";
  std::vector<std::string> constraints, overrides, prefers, upgrade_packages, positional;
  std::optional<std::string> universal;
  bool upgrade = false, via = false, print_allocator = false;

  CLI::App app{"Resolves requirements against a universe JSON file", "resolve-universe"};
  app.add_option("--python-version", python, "target Python (X.Y[.Z])");
  app.add_option("--python-platform", platform, "target platform (linux, macos, windows, ...)");
  app.add_option("--resolution", resolution)->check(CLI::IsMember({"highest", "lowest", "lowest-direct"}));
  app.add_option("--prerelease", prerelease)
      ->check(CLI::IsMember({"if-necessary-or-explicit", "allow", "disallow", "explicit", "if-necessary"}));
  app.add_option("--constraint", constraints, "a PEP 508 constraint (repeatable)");
  app.add_option("--override", overrides, "a PEP 508 override (repeatable)");
  app.add_option("--prefer", prefers, "NAME==VERSION to try first (repeatable)");
  app.add_flag("--upgrade", upgrade, "ignore every --prefer");
  app.add_option("--upgrade-package", upgrade_packages, "ignore the --prefer of this package (repeatable)");
  app.add_flag("--via", via, "print the parents of each pin");
  app.add_option("--universal", universal,
                 "resolve for every environment this marker admits (\"\": all), writing `name==v ; marker`");
  app.add_flag("--print-allocator", print_allocator, "print which allocator serves malloc, and exit");
  app.add_option("args", positional, "UNIVERSE.json REQ...");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (print_allocator) {
    std::printf("%s\n", allocator::process_allocator_name().c_str());
    return 0;
  }
  if (positional.size() < 2) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }

  resolver::resolve_options options;
  options.strategy = *resolver::resolution_strategy_named(resolution);  // checked by IsMember
  options.prerelease = *resolver::prerelease_mode_named(prerelease);
  options.upgrade = upgrade;
  options.upgrade_packages = upgrade_packages;
  if (!parse_all(constraints, options.constraints) || !parse_all(overrides, options.overrides)) return 2;
  for (const auto& text : prefers) {
    const auto eq = text.find("==");
    auto ver = eq == std::string::npos ? packaging::version::parse("")
                                       : packaging::version::parse(text.substr(eq + 2));
    if (!ver) {
      std::fprintf(stderr, "error: --prefer %s: expected NAME==VERSION\n", text.c_str());
      return 2;
    }
    options.preferences.push_back(resolver::preference{text.substr(0, eq), *ver});
  }
  auto env = packaging::target_environment::create(python, platform);
  if (!env) {
    std::fprintf(stderr, "error: %s\n", env.error().to_string().c_str());
    return 2;
  }
  options.environment = *env;
  if (universal) {
    auto m = universal->empty() ? packaging::marker() : packaging::marker::parse(*universal);
    if (!m) {
      std::fprintf(stderr, "error: --universal: %s\n", m.error().to_string().c_str());
      return 2;
    }
    options.universal = std::move(*m);
  }
  auto universe = resolver::universe_provider::from_file(positional[0], *env);
  if (!universe) {
    std::fprintf(stderr, "error: %s\n", universe.error().to_string().c_str());
    return 2;
  }
  std::vector<packaging::requirement> reqs;
  if (!parse_all({positional.begin() + 1, positional.end()}, reqs)) return 2;

  auto out = resolver::resolve(reqs, options, **universe);
  if (!out) {
    std::fprintf(stderr, "%s\n", out.error().explanation.c_str());
    return out.error().what == resolver::resolve_failure::kind::unsatisfiable ? 1 : 2;
  }
  for (const auto& p : out->packages) {
    std::printf("%s==%s%s%s\n", p.name.c_str(), p.version.to_string().c_str(), p.marker.empty() ? "" : " ; ",
                p.marker.c_str());
    if (via) {
      for (const auto& parent : p.parents)
        std::printf("    # via %s\n", parent.empty() ? "-r requirements" : parent.c_str());
    }
  }
  if (universal) std::fprintf(stderr, "forks: %llu\n", static_cast<unsigned long long>(out->stats.forks));
  return 0;
}
