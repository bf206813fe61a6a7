#pragma once
/// @file
/// ThreadSanitizer and Debian's (uninstrumented) libtbb: TSan cannot see the synchronization
/// inside the scheduler, so code that hands data to a oneTBB task, or back from it, announces
/// the hand-off with a release on one side and an acquire on the other, on the same address.
/// No-ops in every other build.

#if defined(__SANITIZE_THREAD__)
#define PYRESOLVE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PYRESOLVE_TSAN 1
#endif
#endif
#ifdef PYRESOLVE_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace pyresolve {

inline void tsan_release([[maybe_unused]] const void* address) {
#ifdef PYRESOLVE_TSAN
  __tsan_release(const_cast<void*>(address));
#endif
}
inline void tsan_acquire([[maybe_unused]] const void* address) {
#ifdef PYRESOLVE_TSAN
  __tsan_acquire(const_cast<void*>(address));
#endif
}

}  // namespace pyresolve
