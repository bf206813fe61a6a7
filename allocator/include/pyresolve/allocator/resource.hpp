#pragma once
/// @file
/// Heap strategies a program may hand to the library. Only this module decides which heap
/// strategy backs a `std::pmr::memory_resource`; the library just takes a pointer, and
/// without one uses `support::default_resource()`.
///
/// Strategies (see allocator/README.md for the measurements and the thread-safety argument):
/// `system`, `mimalloc`, `jemalloc`, `tbbmalloc`, `pool-std`, `pool-boost`, `arena`.

#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/allocator/heap_tuning.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::allocator {

/// Owns one heap strategy. Move-only; destroying it releases everything the strategy still
/// holds (for `arena`, every block ever allocated), so every container using `get()` must be
/// gone by then.
class resource_handle {
 public:
  resource_handle(std::string name, std::unique_ptr<std::pmr::memory_resource> owner) noexcept
      : m_name(std::move(name)), m_owner(std::move(owner)) {}

  /// The resource to hand to pmr containers; valid while this handle lives.
  [[nodiscard]] std::pmr::memory_resource* get() const noexcept { return m_owner.get(); }
  /// The strategy's name, as given to `make_resource`.
  [[nodiscard]] const std::string& name() const noexcept { return m_name; }

 private:
  std::string m_name;
  std::unique_ptr<std::pmr::memory_resource> m_owner;
};

/// Builds the strategy called `name` (one of `available_resources()`).
///
/// Fails with `errc::invalid_argument` for an unknown name (the message lists the valid
/// ones) and with `errc::not_found` when the strategy's shared library cannot be loaded:
/// `mimalloc`, `tbbmalloc` and `jemalloc` open theirs with `dlopen` on first use, so that a
/// program that never uses them does not map them at start-up. `jemalloc` is pyresolve's
/// private copy, libpyresolve_jemalloc.so, whose initial-exec TLS only loads late in a
/// program started with more static TLS to spare: the error then names the `GLIBC_TUNABLES`
/// setting that gives it (or link the program with `pyresolve::jemalloc_private`).
/// Every strategy returned is safe to allocate from several threads at once and to free a
/// block on a thread other than the one that allocated it.
[[nodiscard]] result<resource_handle> make_resource(std::string_view name);
/// The same, with `heap_tuning::short_run` applying the heap's short-run settings
/// (heap_tuning.hpp) to the library the strategy opened: `mimalloc` and `tbbmalloc`. The
/// settings are the library's process-wide options, so they apply to every user of that
/// library in the process. `jemalloc`'s copy, whose settings are read when it starts, runs with
/// jemalloc's defaults (or `MALLOC_CONF`); the other strategies have nothing to tune.
[[nodiscard]] result<resource_handle> make_resource(std::string_view name, heap_tuning tuning);

/// The `arena` strategy over a caller-chosen `upstream` (for instance a counting_resource,
/// to watch what the arenas take and give back). `upstream` must be thread-safe and outlive
/// the handle; the handle's destructor returns every chunk to it.
[[nodiscard]] resource_handle make_arena_resource(std::pmr::memory_resource* upstream);

/// Names accepted by `make_resource`, in a stable order (`system` first).
[[nodiscard]] const std::vector<std::string>& available_resources() noexcept;

/// Which allocator serves `malloc` in this process: `"glibc"`, `"mimalloc"`, `"jemalloc"`,
/// `"tbbmalloc"`, a sanitizer runtime (`"asan"`, `"tsan"`) or `"unknown (<object>)"`.
///
/// Resolves `malloc` the way the dynamic linker does for every caller (`dlsym(RTLD_DEFAULT)`),
/// names the object that defines it (`dladdr`), then confirms with the allocator's own API
/// that a fresh `malloc` block really belongs to it (`mi_is_in_heap_region`, jemalloc's
/// `thread.allocated` counter, `scalable_msize`). A name that fails its confirmation is
/// reported as `"unknown (...)"`, never guessed.
[[nodiscard]] std::string process_allocator_name();

}  // namespace pyresolve::allocator
