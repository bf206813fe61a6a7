// The main heap's growth area advised for transparent huge pages (see tricks.hpp).
#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>

#include "tricks.hpp"

namespace pyresolve::cli::tool {
namespace {

// The first line of a small text file under /sys, empty when unreadable (plain reads: this
// runs before anything else in the process, and a stream would set up locales first).
std::string first_line(const char* path) {
  std::string out;
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buffer[256];
  const ::ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n > 0) out.assign(buffer, static_cast<std::size_t>(n));
  return out.substr(0, out.find('\n'));
}

}  // namespace

namespace {

std::uintptr_t read_transparent_huge_page_size() noexcept {
  try {
    const std::string modes = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
    if (modes.empty() || modes.find("[never]") != std::string::npos) return 0;
    const std::string size_text = first_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
    std::uintptr_t size = 0;
    const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    if (ec != std::errc{} || size == 0 || (size & (size - 1)) != 0) return 0;
    return size;
  } catch (...) {  // out of memory this early: no advice
    return 0;
  }
}

}  // namespace

std::uintptr_t transparent_huge_page_size() noexcept {
  // Read once: the main heap, the helper and the helper's thread heap all ask at start-up.
  static const std::uintptr_t size = read_transparent_huge_page_size();
  return size;
}

huge_range advise_main_heap_huge_pages() noexcept {
  huge_range done;
  const std::uintptr_t huge = transparent_huge_page_size();
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (huge == 0 || page == 0) return done;
  // The filler is carved from the free top of the heap (`keepcost`), so it must be larger than
  // that top to reach past the break.
  const auto brk_now = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t top_free = ::mallinfo2().keepcost;
  const std::uintptr_t begin = (brk_now + 2 * page + huge - 1) & ~(huge - 1);
  const std::size_t filler_size = begin - brk_now - page + top_free;
  static void* volatile filler = nullptr;  // kept so the block is never given back
  filler = std::malloc(filler_size);
  const auto brk_after = reinterpret_cast<std::uintptr_t>(::sbrk(0));  // NOLINT
  const std::uintptr_t end = brk_after & ~(huge - 1);
  const auto filler_at = reinterpret_cast<std::uintptr_t>(filler);  // NOLINT
  // Advise only when the filler came from the top and the heap grew past `begin`: not when
  // brk was refused (the heap then continues in mmap'ed memory) or a free block served it.
  if (filler == nullptr || brk_after <= brk_now || end <= begin || filler_at + filler_size > begin)
    return done;
  if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0) {  // NOLINT
    done.begin = begin;
    done.end = end;
  }
  return done;
}

}  // namespace pyresolve::cli::tool
