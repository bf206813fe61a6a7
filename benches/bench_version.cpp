// Version parsing and sorting throughput (a program, not a test; see version_throughput.sh).
//
//   bench_version <file> <mode> [repeat]
//   mode: parse-packed | parse-heap | sort | sort-heap
//
// Reads one version string per line, then `repeat` times parses them all (the heap modes
// force the general representation) and, for the sort modes, sorts the parsed versions.
// Prints a checksum so the work cannot be optimized away.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/version.hpp"

using pyresolve::packaging::version;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: bench_version <file> parse-packed|parse-heap|sort|sort-heap [repeat]\n", stderr);
    return 2;
  }
  const std::string_view mode = argv[2];
  const bool heap = mode == "parse-heap" || mode == "sort-heap";
  const bool sort = mode == "sort" || mode == "sort-heap";
  if (!heap && !sort && mode != "parse-packed") {
    std::fprintf(stderr, "unknown mode '%s'\n", argv[2]);
    return 2;
  }
  const int repeat = argc > 3 ? std::atoi(argv[3]) : 1;
  std::FILE* f = std::fopen(argv[1], "rb");
  if (f == nullptr) {
    std::perror(argv[1]);
    return 1;
  }
  std::string content;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
  std::fclose(f);
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < content.size();) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    lines.emplace_back(content.data() + start, end - start);
    start = end + 1;
  }

  std::uint64_t checksum = 0;
  std::size_t invalid = 0;
  std::size_t packed = 0;
  std::vector<version> versions;
  versions.reserve(lines.size());
  for (int r = 0; r < repeat; ++r) {
    versions.clear();
    for (std::string_view line : lines) {
      auto v = heap ? pyresolve::packaging::detail::parse_unpacked(line) : version::parse(line);
      if (!v) {
        ++invalid;
        continue;
      }
      versions.push_back(std::move(*v));
    }
    if (sort) std::sort(versions.begin(), versions.end());
    for (std::size_t i = 0; i < versions.size(); i += 97) checksum = checksum * 31 + versions[i].hash();
    packed = static_cast<std::size_t>(
        std::count_if(versions.begin(), versions.end(), [](const version& v) { return v.is_packed(); }));
  }
  std::printf("versions=%zu invalid=%zu packed=%zu checksum=%016llx\n", versions.size(), invalid / repeat,
              packed, static_cast<unsigned long long>(checksum));
  return 0;
}
