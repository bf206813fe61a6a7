// heap_tuning: the variable's values, and the pmr strategies built with their heap's short-run
// settings still allocate and free (the whole-process variants are checked by running the
// `resolve` programs: tests/allocator/CMakeLists.txt).
#include "pyresolve/allocator/heap_tuning.hpp"

#include <dlfcn.h>
#include <doctest/doctest.h>
#include <mimalloc.h>

#include <cstdlib>
#include <cstring>

#include "pyresolve/allocator/resource.hpp"

namespace alloc = pyresolve::allocator;

TEST_CASE("parse_heap_tuning: short-run by default, off on request, anything else is an error") {
  CHECK(*alloc::parse_heap_tuning("") == alloc::heap_tuning::short_run);
  CHECK(*alloc::parse_heap_tuning("short-run") == alloc::heap_tuning::short_run);
  CHECK(*alloc::parse_heap_tuning("off") == alloc::heap_tuning::library_defaults);
  const auto bad = alloc::parse_heap_tuning("OFF");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == pyresolve::errc::invalid_argument);
  CHECK(bad.error().message.find("PYRESOLVE_HEAP_TUNING=OFF") != std::string::npos);
}

// Before any other case tunes mimalloc, for a run of the whole binary in one process.
TEST_CASE("make_resource with short-run settings sets the opened mimalloc's options, and only then") {
  using get_fn = long (*)(mi_option_t);
  auto option = [](mi_option_t which) {
    void* lib = ::dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_NOLOAD);
    REQUIRE(lib != nullptr);
    auto get = reinterpret_cast<get_fn>(::dlsym(lib, "mi_option_get"));  // NOLINT
    REQUIRE(static_cast<bool>(get));
    const long value = get(which);
    ::dlclose(lib);
    return value;
  };
  if (std::getenv("MIMALLOC_LARGE_OS_PAGES") != nullptr || std::getenv("MIMALLOC_ALLOW_DECOMMIT") != nullptr)
    return;
  auto plain = alloc::make_resource("mimalloc");
  REQUIRE(plain);
  CHECK(option(mi_option_large_os_pages) == 0);  // mimalloc's default, untouched
  CHECK(option(mi_option_allow_decommit) == 1);
  auto tuned = alloc::make_resource("mimalloc", alloc::heap_tuning::short_run);
  REQUIRE(tuned);
  CHECK(option(mi_option_large_os_pages) == 1);
  CHECK(option(mi_option_eager_commit_delay) == 0);
  CHECK(option(mi_option_allow_decommit) == 0);
}

TEST_CASE("make_resource with short-run settings: mimalloc and tbbmalloc still serve every size") {
  for (const char* name : {"mimalloc", "tbbmalloc", "system", "arena"}) {
    CAPTURE(name);
    auto heap = alloc::make_resource(name, alloc::heap_tuning::short_run);
    REQUIRE(heap);
    for (std::size_t bytes : {std::size_t{1}, std::size_t{64}, std::size_t{4096}, std::size_t{3} << 20}) {
      void* p = heap->get()->allocate(bytes, 64);
      REQUIRE(p != nullptr);
      CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);  // NOLINT
      std::memset(p, 0xab, bytes);
      heap->get()->deallocate(p, bytes, 64);
    }
  }
}

TEST_CASE("jemalloc_settings is empty where jemalloc does not serve malloc") {
  if (alloc::process_allocator_name() != "jemalloc") CHECK(alloc::jemalloc_settings().empty());
}
