#include "pyresolve/allocator/resource.hpp"

#include <cstdlib>

#include "heap_settings.hpp"
#include "strategies.hpp"

namespace pyresolve::allocator {

const std::vector<std::string>& available_resources() noexcept {
  static const std::vector<std::string> names{"system",   "mimalloc",   "jemalloc", "tbbmalloc",
                                              "pool-std", "pool-boost", "arena"};
  return names;
}

result<resource_handle> make_resource(std::string_view name) {
  return make_resource(name, heap_tuning::library_defaults);
}

result<resource_handle> make_resource(std::string_view name, heap_tuning tuning) {
  using owner = std::unique_ptr<std::pmr::memory_resource>;
  auto wrap = [&](owner resource) { return resource_handle(std::string(name), std::move(resource)); };
  if (name == "system") return wrap(std::make_unique<detail::system_resource>());
  if (name == "pool-std") return wrap(std::make_unique<detail::pool_std_resource>());
  if (name == "pool-boost") return wrap(std::make_unique<detail::pool_boost_resource>());
  if (name == "arena") return wrap(std::make_unique<detail::arena_resource>());
  if (name == "mimalloc" || name == "tbbmalloc" || name == "jemalloc") {
    auto created =
        name == "mimalloc"
            ? detail::loaded_heap_resource::create("libmimalloc.so.2", "mi_malloc_aligned", "mi_free")
        : name == "tbbmalloc" ? detail::loaded_heap_resource::create(
                                    "libtbbmalloc.so.2", "scalable_aligned_malloc", "scalable_aligned_free")
                              : detail::jemalloc_resource::create();
    if (!created) return unexpected(std::move(created).error());
    if (tuning == heap_tuning::short_run && name != "jemalloc") {
      const auto& loaded = static_cast<const detail::loaded_heap_resource&>(**created);
      if (name == "mimalloc") {
        static_cast<void>(detail::tune_mimalloc(loaded.symbol<detail::mi_option_set_fn>("mi_option_set")));
      } else {
        static_cast<void>(
            detail::tune_tbbmalloc(loaded.symbol<detail::scalable_mode_fn>("scalable_allocation_mode")));
      }
    }
    return wrap(std::move(*created));
  }
  std::string message = "unknown allocator '" + std::string(name) + "'; valid allocators are:";
  for (const auto& valid : available_resources()) message += ' ' + valid;
  return fail(errc::invalid_argument, std::move(message));
}

resource_handle make_arena_resource(std::pmr::memory_resource* upstream) {
  return resource_handle("arena", std::make_unique<detail::arena_resource>(upstream));
}

}  // namespace pyresolve::allocator
