#pragma once
/// @file
/// A transparent string hash: with `std::equal_to<>`, an unordered container keyed by any
/// string type can be searched with a `std::string_view` (C++20 heterogeneous lookup), so a
/// lookup copies nothing.

#include <cstddef>
#include <functional>
#include <string_view>
#include "pyresolve/support/export.hpp"

namespace pyresolve {

/// Hashes every string type as its `std::string_view`.
struct PYRESOLVE_API text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

}  // namespace pyresolve
