// Embeds pyresolve as an installed package.
//   embed [REQUIREMENT]
//     the packaging core: parse a PEP 508 requirement and test versions against it;
//   embed resolve TREE REQUIREMENT...
//     the whole stack (pyresolve::index, pyresolve::cache, pyresolve::resolver): resolve the
//     requirements against the simple index at file://TREE/simple, without a cache, and print
//     the pins, one `name==version` a line.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/index/http.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/resolver/index_provider.hpp"
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

int resolve_demo(const std::string& tree, const std::vector<std::string>& texts) {
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
  // The stack as `resolve` assembles it: a cache (here one that keeps nothing), an HTTP
  // client, the index client over it, the cached index of one index URL, and a provider.
  pyresolve::cache::cache_options cache_options;
  cache_options.no_cache = true;
  auto store = pyresolve::cache::cache::open(cache_options);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
    return 2;
  }
  pyresolve::index::http_client http;
  pyresolve::index::index_client client{http};
  const std::string index_url = "file://" + tree + "/simple";
  pyresolve::cache::cached_index front(**store, client,
                                       pyresolve::index::index_locations{index_url, {}, false});
  pyresolve::resolver::index_provider source(front, {});
  auto resolved = pyresolve::resolve(requirements, {}, source);
  if (!resolved) {
    std::fprintf(stderr, "%s\n", resolved.error().explanation.c_str());
    return 1;
  }
  for (const auto& pin : resolved->packages)
    std::printf("%s==%s\n", pin.name.c_str(), pin.version.to_string().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "resolve") == 0) {
    if (argc < 4) {
      std::fprintf(stderr, "usage: %s resolve TREE REQUIREMENT...\n", argv[0]);
      return 2;
    }
    return resolve_demo(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  }
  return packaging_demo(argc > 1 ? argv[1]
                                 : "Requests[security] >=2.8.1, ==2.8.* ; python_version < \"3.13\"");
}
