#pragma once
// The heap strategies behind make_resource(). Each is a std::pmr::memory_resource; each
// comment says what is thread-safe and why, including frees on another thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "detail.hpp"

namespace boost::container::pmr {
class synchronized_pool_resource;
}

namespace pyresolve::allocator::detail {

/// `system`: glibc malloc/free; posix_memalign beyond alignof(max_align_t).
/// Thread-safe, cross-thread frees included: glibc's malloc is (a free on another thread goes
/// back to the owning arena under that arena's lock). Stateless, so all instances are equal.
class system_resource final : public std::pmr::memory_resource {
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;
};

/// A heap that comes from a shared library opened at run time (never linked, so that its
/// `malloc`, if it exports one, cannot replace the process's), used through the library's
/// aligned allocate and free. Its heaps are the library's own, shared by every instance, so
/// any instance can free another's blocks.
///
/// `mimalloc`: `mi_malloc_aligned` / `mi_free` on mimalloc's default (per-thread) heap.
/// Thread-safe, cross-thread frees included: `mi_free` of a block owned by another thread's
/// heap pushes it on that page's atomic thread-free list, which the owner collects later. We
/// use no `mi_heap_t` of our own because a mimalloc heap may only allocate on the thread that
/// created it. Debian's libmimalloc.so also exports `malloc`; the whole-process variant is a
/// separate executable (pyresolve_add_allocator_variants).
///
/// `tbbmalloc`: oneTBB's `scalable_aligned_malloc` / `scalable_aligned_free`.
/// Thread-safe, cross-thread frees included: a foreign free goes to the owning block's
/// lock-free "public free list", which the owner thread reclaims on its next allocation.
/// libtbbmalloc (not its proxy) does not replace malloc. oneTBB's scheduler opens it too, on
/// its own start-up, off the main thread; a program that linked it would map it before `main`.
class loaded_heap_resource final : public std::pmr::memory_resource {
 public:
  /// Opens `soname` and finds its `allocate(size, alignment)` and `free(p)`.
  static result<std::unique_ptr<std::pmr::memory_resource>> create(const char* soname, const char* allocate,
                                                                   const char* free);
  explicit loaded_heap_resource(shared_library lib) noexcept : m_lib(std::move(lib)) {}
  /// A function of the opened library (its option setters), or null.
  template <class F>
  [[nodiscard]] F symbol(const char* name) const noexcept {
    return symbol_as<F>(m_lib, name);
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  shared_library m_lib;
  void* (*m_allocate)(std::size_t, std::size_t) = nullptr;
  void (*m_free)(void*) = nullptr;
};

/// `jemalloc`: `mallocx(size, MALLOCX_ARENA(a) | MALLOCX_ALIGN)` / `sdallocx` on an arena of
/// pyresolve's own (`arenas.create`), with jemalloc's automatic thread cache.
/// Thread-safe, cross-thread frees included: `sdallocx` on another thread puts the block in
/// that thread's tcache or returns it to the owning arena's bin under the bin's lock.
/// The arena is created once per process and never destroyed: `arena.<i>.destroy` is only
/// safe when no thread cache holds one of its blocks, which we cannot guarantee with
/// automatic tcaches. Small blocks pass through the thread cache, which jemalloc fills from
/// our arena but which may also hold blocks of other arenas; the dedicated arena therefore
/// separates our large blocks and cache misses, not every small block.
/// Debian's jemalloc is unprefixed (`mallocx`, but also `malloc`): linking it would replace
/// the process heap. So it is a private copy inside libpyresolve_jemalloc.so, linked from
/// libjemalloc_pic.a with its symbols hidden; in the `-jemalloc` whole-process variant that
/// makes two jemallocs in one process, each with its own arenas. The copy is opened on first
/// use; its initial-exec TLS needs glibc's static TLS reserve unless the program linked it
/// (`GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096`, which the error names).
struct jemalloc_copy;
class jemalloc_resource final : public std::pmr::memory_resource {
 public:
  static result<std::unique_ptr<std::pmr::memory_resource>> create();
  explicit jemalloc_resource(const jemalloc_copy& copy) noexcept;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  void* (*m_mallocx)(std::size_t, int) = nullptr;
  void (*m_sdallocx)(void*, std::size_t, int) = nullptr;
  int m_arena_flag = 0;
};

/// The soname of the private jemalloc copy, and the GLIBC_TUNABLES entry that reserves enough
/// static TLS to open it after start-up (its TLS segment is 2.6 KiB; glibc's default reserve
/// for dlopen()ed libraries is 512 bytes).
inline constexpr const char* jemalloc_copy_soname = "libpyresolve_jemalloc.so";
inline constexpr const char* static_tls_tunable = "glibc.rtld.optional_static_tls=4096";

/// `pool-std`: libstdc++'s `std::pmr::synchronized_pool_resource` over `system_resource`.
/// Thread-safe, cross-thread frees included, but at a price: each thread has its own pools
/// behind a shared_mutex, and a free of a block the calling thread's pools do not own takes
/// the exclusive lock and searches every thread's pools. Memory goes back to the upstream
/// only when the resource is destroyed (pools never shrink). GCC 12's pools return some
/// over-aligned blocks misaligned (100 bytes at alignment 32 came back 16-aligned), so
/// alignments beyond alignof(max_align_t) go straight to the upstream.
class pool_std_resource final : public std::pmr::memory_resource {
 public:
  pool_std_resource();

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  system_resource m_upstream;
  std::pmr::synchronized_pool_resource m_pool;
};

/// `pool-boost`: Boost.Container's `pmr::synchronized_pool_resource` (its own
/// memory_resource hierarchy, compiled in libboost_container) adapted to std::pmr.
/// Thread-safe, cross-thread frees included: one mutex around an unsynchronized pool with
/// intrusive free lists, so a foreign free costs the same as a local one. Boost's pools do
/// not honour alignments beyond alignof(max_align_t); those go straight to system_resource
/// (deallocate receives the same alignment, so it takes the same route).
class pool_boost_resource final : public std::pmr::memory_resource {
 public:
  pool_boost_resource();
  ~pool_boost_resource() override;
  pool_boost_resource(const pool_boost_resource&) = delete;
  pool_boost_resource& operator=(const pool_boost_resource&) = delete;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  system_resource m_aligned_upstream;
  std::unique_ptr<boost::container::pmr::synchronized_pool_resource> m_pool;
};

/// `arena`: one `std::pmr::monotonic_buffer_resource` per thread that allocates, chained over
/// `system_resource`, all released together when this resource (the resolution) ends.
/// Thread-safe, cross-thread frees included, trivially: deallocate does nothing, and each
/// thread only ever bumps its own arena (found through a one-entry thread_local cache, or a
/// mutex-guarded map on the first allocation of a thread). Never reset while tasks run: a
/// oneTBB thread blocked in `wait()` may run other tasks ("work isolation"), which would then
/// allocate from, or have their blocks released by, the arena of the task that waits. Tying
/// the lifetime to the whole resolution (the owner's destructor, after every task joined)
/// means no reset ever happens while a task can still touch a block; a per-task reset would
/// need `task_arena::isolate` around every wait.
class arena_resource final : public std::pmr::memory_resource {
 public:
  ~arena_resource() override;
  arena_resource(const arena_resource&) = delete;
  arena_resource& operator=(const arena_resource&) = delete;

  /// `upstream` (system_resource when null) must be thread-safe: every thread's arena
  /// takes chunks from it, and the destructor may run on any thread.
  explicit arena_resource(std::pmr::memory_resource* upstream = nullptr);

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  std::pmr::monotonic_buffer_resource& this_thread_arena();

  std::uint64_t m_id;  // unique per instance, so a stale thread_local cache never matches
  system_resource m_system;
  std::pmr::memory_resource* m_upstream;
  std::mutex m_mutex;
  std::unordered_map<std::uint32_t, std::unique_ptr<std::pmr::monotonic_buffer_resource>> m_arenas;
};

}  // namespace pyresolve::allocator::detail
