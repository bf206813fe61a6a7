#include "pyresolve/allocator/heap_tuning.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "heap_settings.hpp"
#include "pyresolve/allocator/process_heap.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

result<heap_tuning> parse_heap_tuning(std::string_view value) {
  if (value.empty() || value == "short-run") return heap_tuning::short_run;
  if (value == "off") return heap_tuning::library_defaults;
  return fail(errc::invalid_argument, std::string(heap_tuning_variable) + "=" + std::string(value) +
                                          ": expected `short-run` or `off`");
}

result<heap_tuning> heap_tuning_from_environment() {
  const char* value = std::getenv(heap_tuning_variable);
  return parse_heap_tuning(value == nullptr ? std::string_view{} : std::string_view(value));
}

namespace {

template <class F>
F process_symbol(const char* name) noexcept {
  return reinterpret_cast<F>(
      ::dlsym(RTLD_DEFAULT, name));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

std::string tune() {
  const std::string heap = process_allocator_name();
  if (heap == "glibc") {
    if (!detail::tune_glibc()) return {};  // glibc, known: not asked again
    return "glibc: M_TOP_PAD=" + std::to_string(short_run_top_pad) +
           " M_TRIM_THRESHOLD=1GiB M_MMAP_THRESHOLD=32MiB";
  }
  if (heap == "mimalloc") {
    std::string applied = detail::tune_mimalloc(process_symbol<detail::mi_option_set_fn>("mi_option_set"));
    return applied.empty() ? applied : "mimalloc:" + applied;
  }
  if (heap == "tbbmalloc") {
    std::string applied =
        detail::tune_tbbmalloc(process_symbol<detail::scalable_mode_fn>("scalable_allocation_mode"));
    return applied.empty() ? applied : "tbbmalloc:" + applied;
  }
  if (heap == "jemalloc") return "jemalloc: " + jemalloc_settings();  // read before `main`: reported
  return {};
}

}  // namespace

namespace {
/// What the one call of `tune()` applied, once it has returned.
std::atomic<const std::string*> applied_settings{nullptr};
}  // namespace

std::string tune_process_heap_for_short_run() noexcept {
  try {
    static const std::string applied = tune();
    applied_settings.store(&applied, std::memory_order_release);
    return applied;
  } catch (...) {  // out of memory while naming the heap: leave it be
    return {};
  }
}

std::string applied_heap_tuning() {
  const std::string* applied = applied_settings.load(std::memory_order_acquire);
  return applied == nullptr ? std::string() : *applied;
}

std::string jemalloc_settings() {
  using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  auto mallctl = process_symbol<mallctl_fn>("mallctl");
  if (mallctl == nullptr || process_allocator_name() != "jemalloc") return {};
  std::string out;
  auto text = [&](const char* name, const char* key) {
    const char* value = nullptr;
    std::size_t size = sizeof(value);
    if (mallctl(key, static_cast<void*>(&value), &size, nullptr, 0) == 0 && value != nullptr)
      out += std::string(out.empty() ? "" : " ") + name + "=" + value;
  };
  auto number = [&](const char* name, const char* key) {
    std::int64_t value = 0;  // ssize_t in jemalloc
    std::size_t size = sizeof(value);
    if (mallctl(key, static_cast<void*>(&value), &size, nullptr, 0) == 0)
      out += std::string(out.empty() ? "" : " ") + name + "=" + std::to_string(value);
  };
  auto flag = [&](const char* name, const char* key) {
    bool value = false;
    std::size_t size = sizeof(value);
    if (mallctl(key, static_cast<void*>(&value), &size, nullptr, 0) == 0)
      out += std::string(out.empty() ? "" : " ") + name + "=" + (value ? "true" : "false");
  };
  text("thp", "opt.thp");
  text("metadata_thp", "opt.metadata_thp");
  number("dirty_decay_ms", "opt.dirty_decay_ms");
  number("muzzy_decay_ms", "opt.muzzy_decay_ms");
  flag("background_thread", "opt.background_thread");
  return out;
}

}  // namespace pyresolve::allocator
