// Embeds pyresolve's packaging core: parse a PEP 508 requirement and test versions against it.
#include <cstdio>
#include <string>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/version.hpp"

int main(int argc, char** argv) {
  using namespace pyresolve::packaging;
  const std::string text =
      argc > 1 ? argv[1] : "Requests[security] >=2.8.1, ==2.8.* ; python_version < \"3.13\"";
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
