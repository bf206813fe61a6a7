#pragma once
/// @file
/// Where every other module gets its memory from. Only this module decides which heap
/// strategy backs a `std::pmr::memory_resource`; everything else just takes a pointer.

#include <memory_resource>

namespace pyresolve::allocator {

/// The resource used when a caller passes none: the process heap (`operator new`).
/// Thread-safe: it is stateless and forwards to the global allocator.
[[nodiscard]] std::pmr::memory_resource* default_resource() noexcept;

}  // namespace pyresolve::allocator
