#pragma once
/// @file
/// A decorator that counts what flows through another `std::pmr::memory_resource`.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace pyresolve::allocator {

/// Whether a `counting_resource` tracks the peak of live bytes.
enum class peak_tracking : std::uint8_t {
  /// Exact peak: live bytes are one shared atomic that every allocation and free updates, so
  /// threads allocating at once contend for its cache line (measured in allocator/README.md).
  exact,
  /// No peak (`peak_live_bytes` stays 0): live bytes are per-thread slots like the other
  /// counters, summed on read, and no cache line is shared between threads.
  off,
};

/// A snapshot of a `counting_resource`'s counters.
struct allocation_stats {
  std::uint64_t allocations = 0;         ///< calls to allocate
  std::uint64_t frees = 0;               ///< calls to deallocate
  std::uint64_t bytes_allocated = 0;     ///< sum of requested bytes over all allocations
  std::uint64_t live_bytes = 0;          ///< requested bytes allocated and not yet freed
  std::uint64_t peak_live_bytes = 0;     ///< highest `live_bytes` seen (0 with peak_tracking::off)
  std::uint64_t cross_thread_frees = 0;  ///< frees on a thread other than the allocating one
};

/// Counts allocations, frees, bytes, live and peak bytes, and cross-thread frees, then
/// forwards to `upstream`.
///
/// Cost model (measured in allocator/README.md): each block gets an 8-byte header in front
/// (more when the alignment is larger) holding the allocating thread's serial number, so a
/// free can tell whether it crossed threads without a side table or a lock. Counts live in
/// per-thread slots written only by their owner (a relaxed load and store, no locked
/// instruction) and are summed on read. An exact peak needs one process-wide view of live
/// bytes, a shared relaxed atomic (the peak itself is written only on a new high); with
/// `peak_tracking::off`, live bytes are per-thread too and nothing is shared.
///
/// Thread-safe exactly when `upstream` is: the decorator itself adds no shared state beyond
/// atomics. `stats()` may run concurrently with allocations; the snapshot is then a mix of
/// slightly different moments, exact once the other threads are joined.
class counting_resource final : public std::pmr::memory_resource {
 public:
  /// `upstream` must outlive this resource.
  explicit counting_resource(std::pmr::memory_resource* upstream,
                             peak_tracking peak = peak_tracking::exact) noexcept;
  counting_resource(const counting_resource&) = delete;
  counting_resource& operator=(const counting_resource&) = delete;
  ~counting_resource() override;

  /// Sums the per-thread counters.
  [[nodiscard]] allocation_stats stats() const noexcept;
  [[nodiscard]] std::pmr::memory_resource* upstream() const noexcept { return m_upstream; }

  /// Per-thread slots; threads beyond this many live at once share one atomic slot.
  static constexpr std::size_t slot_count = 64;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  struct alignas(64) slot {
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> frees{0};
    std::atomic<std::uint64_t> bytes_allocated{0};
    std::atomic<std::uint64_t> cross_thread_frees{0};
    std::atomic<std::uint64_t> bytes_freed{0};  // only with peak_tracking::off
  };

  std::pmr::memory_resource* m_upstream;
  peak_tracking m_peak_tracking;
  std::array<slot, slot_count + 1> m_slots{};  // the last one is the shared overflow slot
  alignas(64) std::atomic<std::int64_t> m_live{0};
  alignas(64) std::atomic<std::int64_t> m_peak{0};
};

}  // namespace pyresolve::allocator
