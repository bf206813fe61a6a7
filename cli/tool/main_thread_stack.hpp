#pragma once
// See main_thread_stack.cpp: the main thread's stack as the kernel laid it out.

#include <cstdint>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PYRESOLVE_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PYRESOLVE_SANITIZED_BUILD 1
#endif
#endif
#ifndef PYRESOLVE_SANITIZED_BUILD
#define PYRESOLVE_SANITIZED_BUILD 0
#endif

namespace pyresolve::cli::tool {

/// The top (one past the highest byte, page-aligned) and size of the main thread's stack, as
/// glibc's pthread_getattr_np counts them: the top is the end of the page that holds
/// __libc_stack_end, the size RLIMIT_STACK less what the mapping holds above that top (its
/// end is where the program's path string and the null pointer after it end). False when the
/// limit is unlimited or the layout is not the one expected.
bool main_thread_stack(std::uintptr_t& top, std::uintptr_t& size) noexcept;

}  // namespace pyresolve::cli::tool
