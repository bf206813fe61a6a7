// resolve-universe [--python-version X.Y[.Z]] [--python-platform P]
//                  [--resolution highest|lowest|lowest-direct]
//                  [--prerelease if-necessary-or-explicit|allow|disallow|explicit|if-necessary]
//                  [--constraint REQ]... [--override REQ]... [--prefer NAME==V]... [--upgrade]
//                  [--upgrade-package NAME]... [--via] UNIVERSE.json REQ...
// resolve-universe --print-allocator: prints which allocator serves malloc in this process
// (allocator::process_allocator_name), so tests can prove what each -mimalloc/-jemalloc
// variant and each LD_PRELOAD run really uses.
// Prints `name==version` lines sorted by name, or the explanation on stderr with exit code 1.
// Exit code 2 for usage and input errors.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/allocator/resource.hpp"
#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"

namespace {

int usage() {
  std::fputs(
      "usage: resolve-universe [--python-version V] [--python-platform P]\n"
      "                        [--resolution highest|lowest|lowest-direct]\n"
      "                        [--prerelease if-necessary-or-explicit|allow|disallow|explicit|if-necessary]\n"
      "                        [--constraint REQ]... [--override REQ]... [--prefer NAME==V]... [--upgrade]\n"
      "                        [--upgrade-package NAME]... [--via] UNIVERSE REQ...\n"
      "       resolve-universe --print-allocator\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pyresolve;
  std::string python = "3.11.7";  // what check_solution.py assumes
  std::string platform = "linux";
  resolver::resolve_options options;
  bool via = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--python-version") {
      const char* v = value();
      if (!v) return usage();
      python = v;
    } else if (arg == "--python-platform") {
      const char* v = value();
      if (!v) return usage();
      platform = v;
    } else if (arg == "--resolution") {
      const char* v = value();
      if (!v) return usage();
      const std::string_view s = v;
      if (s == "highest") {
        options.strategy = resolver::resolution_strategy::highest;
      } else if (s == "lowest") {
        options.strategy = resolver::resolution_strategy::lowest;
      } else if (s == "lowest-direct") {
        options.strategy = resolver::resolution_strategy::lowest_direct;
      } else {
        return usage();
      }
    } else if (arg == "--prerelease") {
      const char* v = value();
      if (!v) return usage();
      const std::string_view s = v;
      if (s == "allow") {
        options.prerelease = resolver::prerelease_mode::allow;
      } else if (s == "disallow") {
        options.prerelease = resolver::prerelease_mode::disallow;
      } else if (s == "if-necessary-or-explicit") {
        options.prerelease = resolver::prerelease_mode::if_necessary_or_explicit;
      } else if (s == "explicit") {
        options.prerelease = resolver::prerelease_mode::explicit_only;
      } else if (s == "if-necessary") {
        options.prerelease = resolver::prerelease_mode::if_necessary;
      } else {
        return usage();
      }
    } else if (arg == "--constraint" || arg == "--override") {
      const char* v = value();
      if (!v) return usage();
      auto req = packaging::requirement::parse(v);
      if (!req) {
        std::fprintf(stderr, "error: %s\n", req.error().to_string().c_str());
        return 2;
      }
      (arg == "--constraint" ? options.constraints : options.overrides).push_back(std::move(*req));
    } else if (arg == "--prefer") {
      const char* v = value();
      if (!v) return usage();
      const std::string_view text = v;
      const auto eq = text.find("==");
      if (eq == std::string_view::npos) return usage();
      auto ver = packaging::version::parse(text.substr(eq + 2));
      if (!ver) return usage();
      options.preferences.push_back(resolver::preference{std::string(text.substr(0, eq)), *ver});
    } else if (arg == "--upgrade") {
      options.upgrade = true;
    } else if (arg == "--upgrade-package") {
      const char* v = value();
      if (!v) return usage();
      options.upgrade_packages.emplace_back(v);
    } else if (arg == "--print-allocator") {
      std::printf("%s\n", allocator::process_allocator_name().c_str());
      return 0;
    } else if (arg == "--via") {
      via = true;
    } else if (arg.starts_with("--")) {
      return usage();
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() < 2) return usage();
  auto env = packaging::target_environment::create(python, platform);
  if (!env) {
    std::fprintf(stderr, "error: %s\n", env.error().to_string().c_str());
    return 2;
  }
  options.environment = *env;
  auto universe = resolver::universe_provider::from_file(positional[0], *env);
  if (!universe) {
    std::fprintf(stderr, "error: %s\n", universe.error().to_string().c_str());
    return 2;
  }
  std::vector<packaging::requirement> reqs;
  for (std::size_t i = 1; i < positional.size(); ++i) {
    auto req = packaging::requirement::parse(positional[i]);
    if (!req) {
      std::fprintf(stderr, "error: %s\n", req.error().to_string().c_str());
      return 2;
    }
    reqs.push_back(std::move(*req));
  }
  auto out = resolver::resolve(reqs, options, **universe);
  if (!out) {
    std::fprintf(stderr, "%s\n", out.error().explanation.c_str());
    return out.error().what == resolver::resolve_failure::kind::unsatisfiable ? 1 : 2;
  }
  for (const auto& p : out->packages) {
    std::printf("%s==%s\n", p.name.c_str(), p.version.to_string().c_str());
    if (via) {
      for (const auto& parent : p.parents) std::printf("    # via %s\n", parent.empty() ? "-r requirements" : parent.c_str());
    }
  }
  return 0;
}
