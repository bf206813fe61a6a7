#pragma once
// Loads the tab-separated vectors of tests/packaging/data (see generate.py there).

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "pyresolve/packaging/version.hpp"

namespace pyresolve::test {

/// Parses a version the test needs, failing the test (with the text) if it does not parse.
inline packaging::version must_parse(const std::string& s) {
  auto v = packaging::version::parse(s);
  REQUIRE_MESSAGE(v.has_value(), s);
  return *v;
}

inline std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'v' ? '\v' : c == 'f' ? '\f' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Rows of `tests/packaging/data/<name>`, comment lines skipped, fields unescaped.
inline std::vector<std::vector<std::string>> read_rows(const std::string& name) {
  std::vector<std::vector<std::string>> rows;
  const std::string path = std::string(PYRESOLVE_TEST_DATA_DIR) + "/packaging/data/" + name;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return rows;
  std::string content;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) content.append(buf, n);
  std::fclose(f);
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    const std::string line = content.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::size_t f0 = 0;
    for (;;) {
      const std::size_t tab = line.find('\t', f0);
      fields.push_back(unescape(line.substr(f0, tab == std::string::npos ? std::string::npos : tab - f0)));
      if (tab == std::string::npos) break;
      f0 = tab + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

/// A random version string in PEP 440 normal form or a spelling variant; `local` allows labels.
inline std::string random_version(std::mt19937_64& rng, bool local) {
  auto pick = [&](std::initializer_list<const char*> xs) {
    return std::string(*(xs.begin() + static_cast<std::ptrdiff_t>(rng() % xs.size())));
  };
  auto num = [&] {
    return pick({"0", "0", "1", "2", "3", "9", "10", "255", "256", "4095", "4096", "65536"});
  };
  std::string s;
  if (rng() % 20 == 0) s += pick({"0", "1", "2"}) + "!";
  const std::size_t n = 1 + rng() % 5;
  for (std::size_t i = 0; i < n; ++i) s += (i ? "." : "") + num();
  if (rng() % 3 == 0)
    s += pick({"a", "b", "rc", "c", ".alpha", "-beta", "pre"}) + pick({"", "0", "1", "2", "2047", "2048"});
  if (rng() % 4 == 0) s += pick({".post", "-", "post", ".r", "-rev"}) + pick({"0", "1", "2", "2048"});
  if (rng() % 4 == 0) s += pick({".dev", "dev", "-dev"}) + pick({"", "0", "1", "2", "2048"});
  if (local && rng() % 6 == 0) s += "+" + pick({"abc", "1", "a.1", "1.a", "z", "0.0"});
  return s;
}

}  // namespace pyresolve::test
