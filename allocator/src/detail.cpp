#include "detail.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string_view>
#include <vector>

namespace pyresolve::allocator::detail {

namespace {

// Free small slots, handed out lowest first. A mutex is fine: it is taken once per thread
// start and exit, never per allocation.
struct slot_registry {
  std::mutex mutex;
  std::vector<std::uint32_t> free_slots;
  std::uint32_t next = 0;

  std::uint32_t take() {
    const std::lock_guard lock(mutex);
    if (!free_slots.empty()) {
      const std::uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    return next < slot_limit ? next++ : slot_limit;
  }
  void give_back(std::uint32_t s) {
    if (s == slot_limit) return;
    const std::lock_guard lock(mutex);
    free_slots.push_back(s);
  }
};

slot_registry& registry() {
  // Leaked on purpose: threads may exit (and give their slot back) after static destruction.
  static auto* r = new slot_registry;  // NOLINT(cppcoreguidelines-owning-memory)
  return *r;
}

std::atomic<std::uint32_t> g_next_serial{1};

struct thread_numbers_owner {
  thread_numbers numbers{g_next_serial.fetch_add(1, std::memory_order_relaxed), registry().take()};
  thread_numbers_owner() = default;
  thread_numbers_owner(const thread_numbers_owner&) = delete;
  thread_numbers_owner& operator=(const thread_numbers_owner&) = delete;
  ~thread_numbers_owner() { registry().give_back(numbers.slot); }
};

}  // namespace

const thread_numbers& this_thread_numbers() noexcept {
  thread_local const thread_numbers_owner owner;
  return owner.numbers;
}

result<shared_library> shared_library::open(const char* soname) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    std::string_view why = error != nullptr ? error : "unknown error";
    const std::string_view name = soname;
    // glibc's message starts with the path already when the file was found.
    if (why.size() > name.size() + 2 && why.substr(0, name.size()) == name && why.substr(name.size(), 2) == ": ") {
      why.remove_prefix(name.size() + 2);
    }
    return fail(errc::not_found, "cannot load " + std::string(name) + ": " + std::string(why));
  }
  return shared_library(handle);
}

result<shared_library> shared_library::open_loaded(const char* soname) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE | RTLD_NOLOAD);
  if (handle == nullptr) return fail(errc::not_found, std::string(soname) + " is not loaded");
  return shared_library(handle);
}

std::string this_object_directory() {
  Dl_info info{};
  link_map* object = nullptr;
  // A function's address, as dladdr1 wants it: only compared against the objects' ranges.
  if (::dladdr1(reinterpret_cast<void*>(&this_object_directory), &info, reinterpret_cast<void**>(&object),  // NOLINT
                RTLD_DL_LINKMAP) == 0 || object == nullptr) {
    return {};
  }
  std::string path;
  if (object->l_name != nullptr && object->l_name[0] != '\0') {
    path = object->l_name;
  } else {  // the program itself, which the loader names only by its argv[0]
    char buffer[4096];
    const ::ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer);
    if (n <= 0 || static_cast<std::size_t>(n) == sizeof buffer) return {};
    path.assign(buffer, static_cast<std::size_t>(n));
  }
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

shared_library::~shared_library() {
  if (m_handle != nullptr) ::dlclose(m_handle);  // RTLD_NODELETE keeps the code mapped
}

void* shared_library::symbol(const char* name) const noexcept { return ::dlsym(m_handle, name); }

}  // namespace pyresolve::allocator::detail
