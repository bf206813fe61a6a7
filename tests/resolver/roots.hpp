#pragma once
// The requirements of a test, parsed (the test fails on one that does not parse).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pyresolve/packaging/requirement.hpp"

namespace pyresolve::test {

inline std::vector<packaging::requirement> parse_roots(const std::vector<std::string>& roots) {
  std::vector<packaging::requirement> out;
  for (const auto& r : roots) {
    auto req = packaging::requirement::parse(r);
    REQUIRE_MESSAGE(req.has_value(), r);
    out.push_back(*req);
  }
  return out;
}

}  // namespace pyresolve::test
