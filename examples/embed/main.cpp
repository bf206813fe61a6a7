// Embeds pyresolve as an installed package.
//   embed [REQUIREMENT]
//     the packaging core: parse a PEP 508 requirement and test versions against it;
//   embed resolve TREE REQUIREMENT...
//     the whole stack (pyresolve::index, pyresolve::cache, pyresolve::resolver): resolve the
//     requirements against the simple index at file://TREE/simple, without a cache, and print
//     the pins, one `name==version` a line;
//   embed universal TREE REQUIREMENT...
//     the same, for every platform and every Python from 3.9 at once (universal resolution):
//     `name==version ; marker` lines, a package possibly at several versions.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/resolver/index_stack.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace {

int packaging_demo(const std::string& text) {
  using namespace pyresolve::packaging;
  auto parsed = requirement::parse(text);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().to_string().c_str());
    return 2;
  }
  std::printf("requirement: %s\nproject:     %s\nranges:      %s\n", parsed->to_string().c_str(),
              parsed->normalized_name().c_str(), parsed->specifiers.to_ranges().to_string().c_str());
  for (const char* candidate : {"2.8.0", "2.8.1", "2.8.14", "2.9.0", "2.8.2rc1"}) {
    auto v = version::parse(candidate);
    if (!v) return 2;
    std::printf("  %-9s %s\n", candidate, parsed->specifiers.contains(*v) ? "matches" : "-");
  }
  return 0;
}

int resolve_demo(const std::string& tree, const std::vector<std::string>& texts, bool universal) {
  namespace pp = pyresolve::packaging;
  std::vector<pp::requirement> requirements;
  for (const std::string& text : texts) {
    auto parsed = pp::requirement::parse(text);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.error().to_string().c_str());
      return 2;
    }
    requirements.push_back(std::move(*parsed));
  }
  // The index side as `resolve` builds it (cache, HTTP and index clients, cached index,
  // provider), here over one file:// index and with a cache that keeps nothing.
  pyresolve::resolver::index_stack_options options;
  options.locations = pyresolve::index::index_locations{"file://" + tree + "/simple", {}, false};
  options.no_cache = true;
  options.universal = universal;  // every wheel counts, Requires-Python is checked per fork
  auto stack = pyresolve::resolver::open_index_stack(std::move(options));
  if (!stack) {
    std::fprintf(stderr, "%s\n", stack.error().to_string().c_str());
    return 2;
  }
  pyresolve::resolver::resolve_options resolve;
  if (universal) resolve.universal = *pp::marker::parse("python_full_version >= '3.9'");
  auto resolved = pyresolve::resolve(requirements, resolve, (*stack)->provider());
  if (!resolved) {
    std::fprintf(stderr, "%s\n", resolved.error().explanation.c_str());
    return 1;
  }
  for (const auto& pin : resolved->packages) {
    std::printf("%s==%s%s%s\n", pin.name.c_str(), pin.version.to_string().c_str(),
                pin.marker.empty() ? "" : " ; ", pin.marker.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool universal = argc > 1 && std::strcmp(argv[1], "universal") == 0;
  if (argc > 1 && (universal || std::strcmp(argv[1], "resolve") == 0)) {
    if (argc < 4) {
      std::fprintf(stderr, "usage: %s resolve|universal TREE REQUIREMENT...\n", argv[0]);
      return 2;
    }
    return resolve_demo(argv[2], std::vector<std::string>(argv + 3, argv + argc), universal);
  }
  return packaging_demo(argc > 1 ? argv[1]
                                 : "Requests[security] >=2.8.1, ==2.8.* ; python_version < \"3.13\"");
}
