#include "pyresolve/allocator/counting_resource.hpp"

#include <algorithm>
#include <cstring>

#include "detail.hpp"

namespace pyresolve::allocator {

static_assert(counting_resource::slot_count == detail::slot_limit);

namespace {

// The header in front of each block: the allocating thread's serial number. Placed right
// before the returned pointer; the gap in front of the block is the alignment (at least 8),
// so the returned pointer keeps the requested alignment.
constexpr std::size_t header_size = sizeof(std::uint64_t);

constexpr std::size_t gap_for(std::size_t alignment) noexcept { return std::max(alignment, header_size); }

// Single-writer counters: only the owning thread writes its slot, so a relaxed load and store
// replace a locked read-modify-write. The shared overflow slot needs the real fetch_add.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by, bool shared) noexcept {
  if (shared) {
    counter.fetch_add(by, std::memory_order_relaxed);
  } else {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
}

}  // namespace

counting_resource::counting_resource(std::pmr::memory_resource* upstream, peak_tracking peak) noexcept
    : m_upstream(upstream), m_peak_tracking(peak) {}

counting_resource::~counting_resource() = default;

void* counting_resource::do_allocate(std::size_t bytes, std::size_t alignment) {
  const std::size_t gap = gap_for(alignment);
  auto* base = static_cast<std::byte*>(m_upstream->allocate(bytes + gap, gap));
  std::byte* user = base + gap;
  const auto& me = detail::this_thread_numbers();
  const std::uint64_t serial = me.serial;
  std::memcpy(user - header_size, &serial, header_size);

  slot& s = m_slots[me.slot];
  const bool shared = me.slot == detail::slot_limit;
  bump(s.allocations, 1, shared);
  bump(s.bytes_allocated, bytes, shared);
  if (m_peak_tracking == peak_tracking::off) return user;
  const auto signed_bytes = static_cast<std::int64_t>(bytes);
  const std::int64_t live = m_live.fetch_add(signed_bytes, std::memory_order_relaxed) + signed_bytes;
  // Most allocations do not set a new peak; only those pay for the compare-exchange.
  std::int64_t peak = m_peak.load(std::memory_order_relaxed);
  while (live > peak && !m_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  return user;
}

void counting_resource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  const std::size_t gap = gap_for(alignment);
  auto* user = static_cast<std::byte*>(p);
  std::uint64_t serial = 0;
  std::memcpy(&serial, user - header_size, header_size);

  const auto& me = detail::this_thread_numbers();
  slot& s = m_slots[me.slot];
  const bool shared = me.slot == detail::slot_limit;
  bump(s.frees, 1, shared);
  if (serial != me.serial) bump(s.cross_thread_frees, 1, shared);
  if (m_peak_tracking == peak_tracking::off) {
    bump(s.bytes_freed, bytes, shared);
  } else {
    m_live.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  }
  m_upstream->deallocate(user - gap, bytes + gap, gap);
}

bool counting_resource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

allocation_stats counting_resource::stats() const noexcept {
  allocation_stats out;
  std::uint64_t freed = 0;
  for (const slot& s : m_slots) {
    out.allocations += s.allocations.load(std::memory_order_relaxed);
    out.frees += s.frees.load(std::memory_order_relaxed);
    out.bytes_allocated += s.bytes_allocated.load(std::memory_order_relaxed);
    out.cross_thread_frees += s.cross_thread_frees.load(std::memory_order_relaxed);
    freed += s.bytes_freed.load(std::memory_order_relaxed);
  }
  if (m_peak_tracking == peak_tracking::off) {
    out.live_bytes = out.bytes_allocated >= freed ? out.bytes_allocated - freed : 0;
    return out;
  }
  out.live_bytes =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, m_live.load(std::memory_order_relaxed)));
  out.peak_live_bytes = static_cast<std::uint64_t>(m_peak.load(std::memory_order_relaxed));
  return out;
}

}  // namespace pyresolve::allocator
