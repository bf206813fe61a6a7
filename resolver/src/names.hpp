#pragma once
// Project names in PEP 503 form without a heap allocation in the usual case.

#include <string>
#include <string_view>

#include "pyresolve/packaging/name.hpp"

namespace pyresolve::resolver::detail {

// `name` normalized: a view of `name` itself when it already is (the solver hands the provider
// normalized names, and most `Requires-Dist` names are written that way), else of
// `packaging::normalize_name(name)` kept in `storage`. Valid while both are.
inline std::string_view normalized_name(std::string_view name, std::string& storage) {
  if (packaging::is_normalized_name(name)) return name;
  storage = packaging::normalize_name(name);
  return storage;
}

}  // namespace pyresolve::resolver::detail
