#include "strategies.hpp"

#include <tbb/scalable_allocator.h>

#include <boost/container/pmr/synchronized_pool_resource.hpp>
#include <cstdlib>
#include <new>

// libpyresolve_jemalloc.so (jemalloc_private/): jemalloc kept private to that object.
extern "C" {
void* pyresolve_je_mallocx(std::size_t size, int flags);
void pyresolve_je_sdallocx(void* ptr, std::size_t size, int flags);
int pyresolve_je_mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen);
}

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

// ---- mimalloc -------------------------------------------------------------------------

mimalloc_resource::mimalloc_resource(shared_library lib) noexcept : m_lib(std::move(lib)) {
  m_malloc_aligned = symbol_as<void* (*)(std::size_t, std::size_t)>(m_lib, "mi_malloc_aligned");
  m_free = symbol_as<void (*)(void*)>(m_lib, "mi_free");
}

result<std::unique_ptr<std::pmr::memory_resource>> mimalloc_resource::create() {
  auto lib = shared_library::open("libmimalloc.so.2");
  if (!lib) return unexpected(std::move(lib).error());
  auto resource = std::make_unique<mimalloc_resource>(std::move(*lib));
  if (resource->m_malloc_aligned == nullptr || resource->m_free == nullptr) {
    return fail(errc::not_found, "libmimalloc.so.2 lacks mi_malloc_aligned or mi_free");
  }
  return std::unique_ptr<std::pmr::memory_resource>(std::move(resource));
}

void* mimalloc_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = m_malloc_aligned(bytes, alignment);
  if (p == nullptr) throw std::bad_alloc();
  annotate_allocated(p);
  return p;
}

void mimalloc_resource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  annotate_freed(p);
  m_free(p);
}

bool mimalloc_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  // Every instance uses mimalloc's default heaps, so any can free another's blocks.
  return dynamic_cast<const mimalloc_resource*>(&other) != nullptr;
}

// ---- jemalloc -------------------------------------------------------------------------

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

result<unsigned> pyresolve_arena() {
  // Once per process: the arena must outlive every thread cache that may hold its blocks.
  static const result<unsigned> arena = []() -> result<unsigned> {
    unsigned index = 0;
    std::size_t size = sizeof(index);
    if (pyresolve_je_mallctl("arenas.create", &index, &size, nullptr, 0) != 0) {
      return fail(errc::not_found, "jemalloc: mallctl(\"arenas.create\") failed");
    }
    return index;
  }();
  return arena;
}

}  // namespace

result<std::unique_ptr<std::pmr::memory_resource>> jemalloc_resource::create() {
  auto arena = pyresolve_arena();
  if (!arena) return unexpected(arena.error());
  auto resource = std::make_unique<jemalloc_resource>();
  resource->m_arena_flag = mallocx_arena(*arena);
  return std::unique_ptr<std::pmr::memory_resource>(std::move(resource));
}

void* jemalloc_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  // mallocx(0) is undefined behaviour; sdallocx must then see the same rounded size.
  void* p = pyresolve_je_mallocx(bytes == 0 ? 1 : bytes, m_arena_flag | mallocx_flags(bytes, alignment));
  if (p == nullptr) throw std::bad_alloc();
  annotate_allocated(p);
  return p;
}

void jemalloc_resource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  annotate_freed(p);
  pyresolve_je_sdallocx(p, bytes == 0 ? 1 : bytes, mallocx_flags(bytes, alignment));
}

bool jemalloc_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const jemalloc_resource*>(&other) != nullptr;  // one shared arena
}

// ---- tbbmalloc ------------------------------------------------------------------------

void* tbbmalloc_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = ::scalable_aligned_malloc(bytes == 0 ? 1 : bytes, alignment);
  if (p == nullptr) throw std::bad_alloc();
  annotate_allocated(p);
  return p;
}

void tbbmalloc_resource::do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) {
  annotate_freed(p);
  ::scalable_aligned_free(p);
}

bool tbbmalloc_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const tbbmalloc_resource*>(&other) != nullptr;
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
