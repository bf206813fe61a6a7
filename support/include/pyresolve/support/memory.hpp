#pragma once
/// @file
/// The memory every module uses when its caller passes no `std::pmr::memory_resource`.

#include <memory_resource>

namespace pyresolve::support {

/// The resource used when a caller passes none: `std::pmr::get_default_resource()`, read at
/// the call. It is `std::pmr::new_delete_resource()` (the process heap) unless the program
/// installed another with `std::pmr::set_default_resource`, which then serves every pmr
/// container, version and set built without a resource, as it serves `std::pmr` itself.
/// Values built before such a change keep the resource they were built in.
[[nodiscard]] inline std::pmr::memory_resource* default_resource() noexcept {
  return std::pmr::get_default_resource();
}

}  // namespace pyresolve::support
