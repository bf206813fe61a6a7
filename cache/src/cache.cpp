#include "pyresolve/cache/cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <utility>

#include "detail/checksum.hpp"
#include "pyresolve/packaging/name.hpp"

namespace fs = std::filesystem;

namespace pyresolve::cache {
namespace {

unexpected<error> io_fail(const fs::path& path, std::string message) {
  return unexpected<error>{error{errc::io_error, std::move(message), path.string(), 0, 0}};
}

/// Appends the 16 hex digits of the hash of `text` (no temporary string).
template <class String>
void append_hash16(String& out, std::string_view text) {
  static constexpr char digits[] = "0123456789abcdef";
  const std::uint64_t h = detail::checksum(text.data(), text.size());
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xF];
}

/// Starts a path string below `root` with `bucket` in `out` (empty; its allocator is kept), as
/// `root / bucket` would spell it.
template <class String>
void bucket_path(String& out, const fs::path& root, std::string_view bucket, std::size_t more) {
  const std::string& base = root.native();
  out.reserve(base.size() + bucket.size() + more + 2);
  out.append(base);
  if (!out.empty() && out.back() != '/') out += '/';
  out.append(bucket);
}

/// `text` without credentials: itself when it has none (the usual case, no copy), else
/// `index::strip_credentials` into `storage`.
std::string_view without_credentials(std::string_view text, std::string& storage) {
  if (!index::has_credentials(text)) return text;
  storage = index::strip_credentials(text);
  return storage;
}

constexpr const char* cachedir_tag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pyresolve.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n";

/// Entries up to this size are read into the heap rather than mapped (see mapped_file).
constexpr std::size_t small_file_limit = 1024 * 1024;

/// Closes a descriptor on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

bool is_temp_name(const std::string& name) { return name.find(".tmp.") != std::string::npos; }

}  // namespace

fs::path default_cache_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "pyresolve";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "pyresolve";
  return fs::temp_directory_path() / "pyresolve-cache";
}

std::int64_t cache::default_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

result<std::unique_ptr<cache>> cache::open(cache_options options) {
  if (options.root.empty() && !options.no_cache) options.root = default_cache_root();
  for (auto& n : options.refresh_packages) n = packaging::normalize_name(n);
  std::unique_ptr<cache> c(new cache(std::move(options)));
  c->m_run_started = c->now();
  if (c->m_options.no_cache) return c;
  std::error_code ec;
  fs::create_directories(c->root(), ec);
  if (ec) return io_fail(c->root(), "cannot create the cache folder: " + ec.message());
  fs::path tag = c->root() / "CACHEDIR.TAG";
  if (!fs::exists(tag, ec)) {
    if (auto w = c->write(tag, cachedir_tag); !w) return unexpected<error>{w.error()};
  }
  fs::path lock = c->root() / ".lock";
  c->m_lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (c->m_lock_fd < 0) return io_fail(lock, "cannot open the lock file");
  c->lock_shared();
  return c;
}

cache::~cache() {
  if (m_lock_fd >= 0) ::close(m_lock_fd);  // closing releases the flock
}

void cache::lock_shared() {
  while (::flock(m_lock_fd, LOCK_SH) != 0 && errno == EINTR) {
  }
}

result<void> cache::lock_exclusive() {
  if (m_lock_fd < 0) return io_fail(root(), "the cache is disabled");
  log(log_level::debug, "waiting for the exclusive cache lock");
  // Converting our shared lock: flock drops it first, so two converters cannot deadlock.
  while (::flock(m_lock_fd, LOCK_EX) != 0) {
    if (errno != EINTR) return io_fail(root() / ".lock", "cannot lock the cache");
  }
  return {};
}

// Both paths are built as one string (one allocation where `/` on paths made a dozen); a
// warm run reads through that string and never builds the `fs::path`.
fs::path cache::simple_path(std::string_view index_url, std::string_view name) const {
  return fs::path(simple_file(index_url, name));
}

fs::path cache::metadata_path(std::string_view name, const index::dist_file& file) const {
  return fs::path(metadata_file(name, file));
}

namespace {

/// `simple_file` into `out` (empty).
template <class String>
void simple_file_into(String& out, const fs::path& root, std::string_view index_url, std::string_view name) {
  // Credentials are not part of an index's identity (nor should they reach the disk).
  std::string storage;
  std::string_view url = without_credentials(index_url, storage);
  while (url.ends_with('/')) url.remove_suffix(1);
  bucket_path(out, root, simple_bucket, name.size() + 24);
  out += '/';
  append_hash16(out, url);
  out.append("/").append(name).append(".bin");
}

/// `metadata_file` into `out` (empty).
template <class String>
void metadata_file_into(String& out, const fs::path& root, std::string_view name, const index::dist_file& file) {
  std::string storage;
  const std::string_view url = without_credentials(file.url, storage);
  bucket_path(out, root, metadata_bucket, name.size() + file.filename.size() + 24);
  out.append("/").append(name).append("/").append(file.filename);
  out += '-';
  append_hash16(out, url);
  out.append(".bin");
}

}  // namespace

std::string cache::simple_file(std::string_view index_url, std::string_view name) const {
  std::string out;
  simple_file_into(out, root(), index_url, name);
  return out;
}

std::string cache::metadata_file(std::string_view name, const index::dist_file& file) const {
  std::string out;
  metadata_file_into(out, root(), name, file);
  return out;
}

std::pmr::string cache::simple_file(std::string_view index_url, std::string_view name,
                                    std::pmr::memory_resource* memory) const {
  std::pmr::string out(memory);
  simple_file_into(out, root(), index_url, name);
  return out;
}

std::pmr::string cache::metadata_file(std::string_view name, const index::dist_file& file,
                                      std::pmr::memory_resource* memory) const {
  std::pmr::string out(memory);
  metadata_file_into(out, root(), name, file);
  return out;
}

void mapped_file::release() noexcept {
  if (m_data == nullptr) return;
  if (m_owned) {
    delete[] m_data;
  } else {
    ::munmap(const_cast<char*>(m_data), m_size);
  }
  m_data = nullptr;
  m_size = 0;
  m_owned = false;
}

mapped_file::~mapped_file() { release(); }

mapped_file::mapped_file(mapped_file&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)),
      m_size(std::exchange(other.m_size, 0)),
      m_owned(std::exchange(other.m_owned, false)) {}

mapped_file& mapped_file::operator=(mapped_file&& other) noexcept {
  if (this != &other) {
    release();
    m_data = std::exchange(other.m_data, nullptr);
    m_size = std::exchange(other.m_size, 0);
    m_owned = std::exchange(other.m_owned, false);
  }
  return *this;
}

std::optional<mapped_file> mapped_file::open(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  fd_guard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  mapped_file out;
  if (st.st_size == 0) return out;
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size <= small_file_limit) {
    // Not zeroed first (make_unique would): read() fills it, and the zeroing was 1.8 % of a
    // warm jupyter resolve's instructions.
    auto owned = std::make_unique_for_overwrite<char[]>(size);
    std::size_t got = 0;
    while (got < size) {
      const auto n = ::read(fd, owned.get() + got, size - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      got += static_cast<std::size_t>(n);
    }
    out.m_data = owned.release();
    out.m_size = size;
    out.m_owned = true;
    return out;
  }
  void* at = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  if (at == MAP_FAILED) return std::nullopt;
  out.m_data = static_cast<const char*>(at);
  out.m_size = static_cast<std::size_t>(st.st_size);
  return out;
}

std::optional<std::string_view> cache::read_file(const char* path, std::string& buffer) const {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  fd_guard guard{fd};
  // No fstat for the size: a read that returns less than it asked for has reached the end of a
  // regular file, so a buffer larger than the file takes it in one call (on a warm jupyter.in
  // run that is 168 metadata files, each one system call shorter). The buffer grows when full.
  constexpr std::size_t first_size = 64 * 1024;
  if (buffer.size() < first_size) buffer.resize(first_size);
  std::size_t got = 0;
  for (;;) {
    if (got == buffer.size()) buffer.resize(buffer.size() * 2);
    const auto n = ::read(fd, buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got < buffer.size()) break;  // short read: end of file
  }
  return std::string_view(buffer.data(), got);
}

std::optional<std::string> cache::read_file(const char* path) const {
  std::string out;
  const auto got = read_file(path, out);
  if (!got) return std::nullopt;
  out.resize(got->size());
  return out;
}

result<void> cache::write(const fs::path& path, std::string_view bytes) const {
  if (!enabled()) return {};
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return io_fail(path.parent_path(), "cannot create folder: " + ec.message());
  static std::atomic<std::uint64_t> counter{0};
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_fail(tmp, "cannot create temp file");
  {
    fd_guard guard{fd};
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::unlink(tmp.c_str());
        return io_fail(tmp, "write failed");
      }
      done += static_cast<std::size_t>(n);
    }
  }
  // rename is atomic within a folder: readers see the old entry or the new one, never half.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_fail(path, "rename failed");
  }
  return {};
}

void cache::remove(const fs::path& path) const {
  std::error_code ec;
  fs::remove(path, ec);
}

bool cache::refresh_requested(std::string_view name, std::int64_t written) const {
  if (written >= m_run_started) return false;
  if (m_options.refresh) return true;
  return std::find(m_options.refresh_packages.begin(), m_options.refresh_packages.end(), name) !=
         m_options.refresh_packages.end();
}

result<cache_info> cache::info() const {
  cache_info out{root(), 0, 0};
  if (!enabled()) return out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root(), ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) {
      out.total_bytes += it->file_size(e2);
      ++out.files;
    }
  }
  if (ec) return io_fail(root(), "cannot list the cache: " + ec.message());
  return out;
}

result<std::uint64_t> cache::clean(const std::vector<std::string>& names) {
  if (auto l = lock_exclusive(); !l) return unexpected<error>{l.error()};
  std::uint64_t removed = 0;
  std::error_code ec;
  if (names.empty()) {
    for (const auto& e : fs::directory_iterator(root(), ec)) {
      auto fname = e.path().filename().string();
      if (fname == ".lock" || fname == "CACHEDIR.TAG") continue;
      std::error_code e2;
      removed += fs::remove_all(e.path(), e2);
    }
  } else {
    for (const auto& raw : names) {
      std::string name = packaging::normalize_name(raw);
      std::error_code e2;
      removed += fs::remove_all(root() / metadata_bucket / name, e2);
      for (const auto& idx : fs::directory_iterator(root() / simple_bucket, e2))
        if (fs::remove(idx.path() / (name + ".bin"), e2)) ++removed;
    }
  }
  lock_shared();
  return removed;
}

result<std::uint64_t> cache::prune() {
  if (auto l = lock_exclusive(); !l) return unexpected<error>{l.error()};
  std::uint64_t removed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root(), ec)) {
    auto fname = e.path().filename().string();
    if (fname == ".lock" || fname == "CACHEDIR.TAG" || fname == simple_bucket || fname == metadata_bucket ||
        fname == interpreter_bucket)
      continue;
    std::error_code e2;
    removed += fs::remove_all(e.path(), e2);  // older bucket formats and strays
  }
  // With the exclusive lock no writer is running, so every temp file is a leftover.
  std::vector<fs::path> temps, dirs;
  for (auto it = fs::recursive_directory_iterator(root(), ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2)) dirs.push_back(it->path());
    else if (is_temp_name(it->path().filename().string())) temps.push_back(it->path());
  }
  for (const auto& t : temps) {
    std::error_code e2;
    if (fs::remove(t, e2)) ++removed;
  }
  std::sort(dirs.rbegin(), dirs.rend());  // children before parents
  for (const auto& d : dirs) {
    std::error_code e2;
    if (fs::is_empty(d, e2) && fs::remove(d, e2)) ++removed;
  }
  lock_shared();
  return removed;
}

}  // namespace pyresolve::cache
