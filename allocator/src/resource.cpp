#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

std::pmr::memory_resource* default_resource() noexcept { return std::pmr::new_delete_resource(); }

}  // namespace pyresolve::allocator
