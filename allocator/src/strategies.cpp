#include "strategies.hpp"

#include <dlfcn.h>

#include <boost/container/pmr/synchronized_pool_resource.hpp>
#include <cstdlib>
#include <new>
#include <string>

#include "pyresolve/support/own_library.hpp"

namespace pyresolve::allocator::detail {

namespace {

bool is_same_object(const std::pmr::memory_resource& self, const std::pmr::memory_resource& other) noexcept {
  return &self == &other;
}

}  // namespace

// ---- system ---------------------------------------------------------------------------

void* system_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(bytes == 0 ? 1 : bytes);
  } else if (::posix_memalign(&p, alignment, bytes == 0 ? 1 : bytes) != 0) {
    p = nullptr;  // posix_memalign, unlike aligned_alloc, takes any size
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void system_resource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  std::free(p);
}

bool system_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  // Stateless: any system_resource can free what another allocated.
  return dynamic_cast<const system_resource*>(&other) != nullptr;
}

// ---- mimalloc, tbbmalloc --------------------------------------------------------------

result<std::unique_ptr<std::pmr::memory_resource>> loaded_heap_resource::create(const char* soname,
                                                                                const char* allocate,
                                                                                const char* free) {
  auto lib = shared_library::open(soname);
  if (!lib) return unexpected(std::move(lib).error());
  auto resource = std::make_unique<loaded_heap_resource>(std::move(*lib));
  resource->m_allocate = symbol_as<void* (*)(std::size_t, std::size_t)>(resource->m_lib, allocate);
  resource->m_free = symbol_as<void (*)(void*)>(resource->m_lib, free);
  if (resource->m_allocate == nullptr || resource->m_free == nullptr) {
    return fail(errc::not_found, std::string(soname) + " lacks " + allocate + " or " + free);
  }
  return std::unique_ptr<std::pmr::memory_resource>(std::move(resource));
}

void* loaded_heap_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = m_allocate(bytes == 0 ? 1 : bytes, alignment);
  if (p == nullptr) throw std::bad_alloc();
  annotate_allocated(p);
  return p;
}

void loaded_heap_resource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  annotate_freed(p);
  m_free(p);
}

bool loaded_heap_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  const auto* loaded = dynamic_cast<const loaded_heap_resource*>(&other);
  return loaded != nullptr && loaded->m_free == m_free;  // the same library's heaps
}

// ---- jemalloc -------------------------------------------------------------------------

// The copy's entry points and pyresolve's arena in it, once per process: the arena must
// outlive every thread cache that may hold its blocks, and the copy is never unloaded.
struct jemalloc_copy {
  void* (*mallocx)(std::size_t, int) = nullptr;
  void (*sdallocx)(void*, std::size_t, int) = nullptr;
  int arena_flag = 0;
};

namespace {

// The MALLOCX_* flag encodings of jemalloc 5 (jemalloc.h), spelled out so that its header,
// which redeclares malloc and friends, stays out of this translation unit.
constexpr int mallocx_align(std::size_t alignment) noexcept { return __builtin_ctzll(alignment); }
constexpr int mallocx_arena(unsigned arena) noexcept { return static_cast<int>((arena + 1U) << 20U); }

int mallocx_flags(std::size_t bytes, std::size_t alignment) noexcept {
  // Every jemalloc size class from 16 bytes up is 16-aligned and the 8-byte class 8-aligned,
  // so the alignment flag (and its slower path) is needed only beyond that.
  return alignment > alignof(std::max_align_t) || bytes < alignment ? mallocx_align(alignment) : 0;
}

// The copy: loaded with the program if it linked pyresolve::jemalloc_private, else opened
// beside it, which needs static TLS to spare.
result<void*> open_jemalloc_copy() {
  auto handle = support::open_own_library(jemalloc_copy_soname);
  if (handle) return handle;
  std::string why = std::move(handle).error().message;
  if (why.find("static TLS") != std::string::npos) {
    why +=
        " (jemalloc's initial-exec TLS: link the program with pyresolve::jemalloc_private, or start it with "
        "GLIBC_TUNABLES=" +
        std::string(static_tls_tunable) + ")";
  }
  return fail(errc::not_found, "jemalloc strategy: " + why);
}

result<const jemalloc_copy*> the_jemalloc_copy() {
  static const result<jemalloc_copy> copy = []() -> result<jemalloc_copy> {
    auto lib = open_jemalloc_copy();
    if (!lib) return unexpected(std::move(lib).error());
    // C function pointers round-trip through void* on every platform dlsym exists on.
    jemalloc_copy out;
    out.mallocx =
        reinterpret_cast<void* (*)(std::size_t, int)>(::dlsym(*lib, "pyresolve_je_mallocx"));  // NOLINT
    out.sdallocx = reinterpret_cast<void (*)(void*, std::size_t, int)>(
        ::dlsym(*lib, "pyresolve_je_sdallocx"));                                                     // NOLINT
    auto mallctl = reinterpret_cast<int (*)(const char*, void*, std::size_t*, void*, std::size_t)>(  // NOLINT
        ::dlsym(*lib, "pyresolve_je_mallctl"));
    if (out.mallocx == nullptr || out.sdallocx == nullptr || mallctl == nullptr) {
      return fail(errc::not_found, std::string(jemalloc_copy_soname) + " lacks the pyresolve_je_* functions");
    }
    unsigned index = 0;
    std::size_t size = sizeof(index);
    if (mallctl("arenas.create", &index, &size, nullptr, 0) != 0) {
      return fail(errc::not_found, "jemalloc: mallctl(\"arenas.create\") failed");
    }
    out.arena_flag = mallocx_arena(index);
    return out;
  }();
  if (!copy) return unexpected(copy.error());
  return &*copy;
}

}  // namespace

result<std::unique_ptr<std::pmr::memory_resource>> jemalloc_resource::create() {
  auto copy = the_jemalloc_copy();
  if (!copy) return unexpected(copy.error());
  return std::unique_ptr<std::pmr::memory_resource>(std::make_unique<jemalloc_resource>(**copy));
}

jemalloc_resource::jemalloc_resource(const jemalloc_copy& copy) noexcept
    : m_mallocx(copy.mallocx), m_sdallocx(copy.sdallocx), m_arena_flag(copy.arena_flag) {}

void* jemalloc_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  // mallocx(0) is undefined behaviour; sdallocx must then see the same rounded size.
  void* p = m_mallocx(bytes == 0 ? 1 : bytes, m_arena_flag | mallocx_flags(bytes, alignment));
  if (p == nullptr) throw std::bad_alloc();
  annotate_allocated(p);
  return p;
}

void jemalloc_resource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  annotate_freed(p);
  m_sdallocx(p, bytes == 0 ? 1 : bytes, mallocx_flags(bytes, alignment));
}

bool jemalloc_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const jemalloc_resource*>(&other) != nullptr;  // one shared arena
}

// ---- pool-std -------------------------------------------------------------------------

pool_std_resource::pool_std_resource() : m_pool(std::pmr::pool_options{}, &m_upstream) {}

// GCC 12's pools misalign some over-aligned requests (measured by tests/allocator: 100 bytes
// at alignment 32 came back 16-aligned), so those bypass the pool, as in pool-boost.
void* pool_std_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment > alignof(std::max_align_t)) return m_upstream.allocate(bytes, alignment);
  return m_pool.allocate(bytes, alignment);
}

void pool_std_resource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  if (alignment > alignof(std::max_align_t)) {
    m_upstream.deallocate(p, bytes, alignment);
    return;
  }
  m_pool.deallocate(p, bytes, alignment);
}

bool pool_std_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return is_same_object(*this, other);
}

// ---- pool-boost -----------------------------------------------------------------------

pool_boost_resource::pool_boost_resource()
    : m_pool(std::make_unique<boost::container::pmr::synchronized_pool_resource>()) {}

pool_boost_resource::~pool_boost_resource() = default;

void* pool_boost_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment > alignof(std::max_align_t)) return m_aligned_upstream.allocate(bytes, alignment);
  return m_pool->allocate(bytes, alignment);
}

void pool_boost_resource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  if (alignment > alignof(std::max_align_t)) {
    m_aligned_upstream.deallocate(p, bytes, alignment);
    return;
  }
  m_pool->deallocate(p, bytes, alignment);
}

bool pool_boost_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return is_same_object(*this, other);
}

// ---- arena ----------------------------------------------------------------------------

namespace {
std::atomic<std::uint64_t> g_next_arena_id{1};

struct arena_cache {
  std::uint64_t owner_id = 0;
  std::pmr::monotonic_buffer_resource* arena = nullptr;
};
thread_local arena_cache t_arena_cache;
}  // namespace

arena_resource::arena_resource(std::pmr::memory_resource* upstream)
    : m_id(g_next_arena_id.fetch_add(1, std::memory_order_relaxed)),
      m_upstream(upstream != nullptr ? upstream : &m_system) {}

arena_resource::~arena_resource() {
  // Every monotonic arena hands its chunks back to the upstream here. A thread_local cache
  // still naming this arena's id can never match again: ids are never reused.
  m_arenas.clear();
}

std::pmr::monotonic_buffer_resource& arena_resource::this_thread_arena() {
  arena_cache& cache = t_arena_cache;
  if (cache.owner_id == m_id) return *cache.arena;
  const std::lock_guard lock(m_mutex);
  auto& slot = m_arenas[this_thread_numbers().serial];
  if (!slot) slot = std::make_unique<std::pmr::monotonic_buffer_resource>(m_upstream);
  cache = arena_cache{m_id, slot.get()};
  return *slot;
}

void* arena_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  return this_thread_arena().allocate(bytes, alignment);
}

void arena_resource::do_deallocate(void* /*p*/, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  // Released all at once by the destructor.
}

bool arena_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return is_same_object(*this, other);
}

}  // namespace pyresolve::allocator::detail
