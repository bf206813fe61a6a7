#include "pyresolve/cache/cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
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
#include "detail/entry_header.hpp"
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

/// The longest project name or filename used as a path component as it is: with the
/// `-<hash>.bin` and `.tmp.<random>` suffixes it stays under the usual 255-byte name limit.
constexpr std::size_t max_component = 200;

/// Whether `part` can be one path component as it is: not empty, `.` or `..`, not too long,
/// and no `/`, `\`, NUL or other control character. A scan of the bytes, no system call.
bool safe_component(std::string_view part) noexcept {
  if (part.empty() || part.size() > max_component || part == "." || part == "..") return false;
  return std::none_of(part.begin(), part.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || c == '/' || c == '\\';
  });
}

/// Appends `part` as one path component: itself when safe, else `~` and its hash (a name no
/// normalized project name or distribution filename has), so an index's names can never
/// leave the bucket.
template <class String>
void append_component(String& out, std::string_view part) {
  if (safe_component(part)) {
    out.append(part);
  } else {
    out += '~';
    append_hash16(out, part);
  }
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

std::string fmt_mode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

/// A folder itself, not a symlink to one.
bool real_folder(const fs::path& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() == fs::file_type::directory;
}

bool is_temp_name(const std::string& name) { return name.find(".tmp.") != std::string::npos; }

/// The root when neither XDG_CACHE_HOME nor HOME names one: a folder of this user's own in the
/// shared temp dir (its name is predictable, so `open` checks who made it).
fs::path temp_dir_root() {
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return tmp / ("pyresolve-cache-" + std::to_string(::geteuid()));
}

/// Creates the temp-dir root with mode 0700, or accepts it only when it is a real folder (not
/// a symlink) of this user that no one else may read or write: another user could otherwise
/// plant entries (a wrong answer) or read what we fetched.
result<void> make_private_folder(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return io_fail(dir, "cannot create the cache folder");
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return io_fail(dir, "cannot inspect the cache folder");
  if (!S_ISDIR(st.st_mode)) return io_fail(dir, "refusing the cache folder: it is not a folder (a symlink?)");
  if (st.st_uid != ::geteuid())
    return io_fail(dir, "refusing the cache folder: it belongs to uid " + std::to_string(st.st_uid) +
                            ", not to this user (uid " + std::to_string(::geteuid()) + ")");
  if ((st.st_mode & 077) != 0)
    return io_fail(dir, "refusing the cache folder: other users may access it (mode " +
                            fmt_mode(st.st_mode & 0777) + "; expected 0700)");
  return {};
}

}  // namespace

fs::path default_cache_root() {
  // The XDG spec: a relative path in XDG_CACHE_HOME is invalid and is ignored.
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return fs::path(xdg) / "pyresolve";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "pyresolve";
  return temp_dir_root();
}

std::int64_t cache::default_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

result<std::unique_ptr<cache>> cache::open(cache_options options) {
  if (options.root.empty() && !options.no_cache) options.root = default_cache_root();
  for (auto& n : options.refresh_packages) n = packaging::normalize_name(n);
  std::unique_ptr<cache> c(new cache(std::move(options)));
  c->m_run_started = c->now();
  if (c->m_options.no_cache) return c;
  std::error_code ec;
  if (c->root() == temp_dir_root()) {
    if (auto made = make_private_folder(c->root()); !made) return unexpected<error>{made.error()};
  } else {
    fs::create_directories(c->root(), ec);
    if (ec) return io_fail(c->root(), "cannot create the cache folder: " + ec.message());
  }
  fs::path tag = c->root() / "CACHEDIR.TAG";
  if (!fs::exists(tag, ec)) {
    if (auto w = c->write(tag, cachedir_tag); !w) return unexpected<error>{w.error()};
  }
  fs::path lock = c->root() / ".lock";
  c->m_lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
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
  out += '/';
  append_component(out, name);
  out.append(".bin");
}

/// `metadata_file` into `out` (empty).
template <class String>
void metadata_file_into(String& out, const fs::path& root, std::string_view name,
                        const index::dist_file& file) {
  std::string storage;
  const std::string_view url = without_credentials(file.url, storage);
  bucket_path(out, root, metadata_bucket, name.size() + file.filename.size() + 24);
  out += '/';
  append_component(out, name);
  out += '/';
  append_component(out, file.filename);
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

namespace {

/// Opens an entry for reading without following a symlink or waiting on a FIFO
/// (`O_NONBLOCK` has no effect on a regular file, so it need not be cleared), and checks that
/// it is a regular file: `size` gets its size. -1: no such file; -2: anything else (a
/// corrupt entry), with `why` set.
int open_entry(const char* path, std::uint64_t& size, const char*& why) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return -1;
    why = errno == ELOOP ? "a symlink" : "cannot be opened";
    return -2;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    why = "not a regular file";
    return -2;
  }
  size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

unexpected<error> not_an_entry(const char* path, const char* why) {
  return unexpected<error>{error{errc::io_error, std::string("corrupt cache entry: ") + why, path, 0, 0}};
}

/// Reads up to `size` bytes into `out` (fewer only at an early end of file); false on an error.
bool read_fully(int fd, char* out, std::size_t size, std::size_t& got) {
  got = 0;
  while (got < size) {
    const auto n = ::read(fd, out + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

result<std::optional<mapped_file>> mapped_file::open(const char* path) {
  std::uint64_t size64 = 0;
  const char* why = nullptr;
  const int fd = open_entry(path, size64, why);
  if (fd == -1) return std::optional<mapped_file>();
  if (fd < 0) return not_an_entry(path, why);
  fd_guard guard{fd};
  mapped_file out;
  if (size64 == 0) return std::optional<mapped_file>(std::move(out));
  if (size64 > SIZE_MAX) return not_an_entry(path, "too large");
  const auto size = static_cast<std::size_t>(size64);
  if (size <= small_file_limit) {
    // Not zeroed first (make_unique would): read() fills it, and the zeroing was 1.8 % of a
    // warm jupyter resolve's instructions.
    auto owned = std::make_unique_for_overwrite<char[]>(size);
    std::size_t got = 0;
    if (!read_fully(fd, owned.get(), size, got) || got != size)
      return not_an_entry(path, "cannot be read whole");
    out.m_data = owned.release();
    out.m_size = size;
    out.m_owned = true;
    return std::optional<mapped_file>(std::move(out));
  }
  void* at = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (at == MAP_FAILED) return not_an_entry(path, "cannot be mapped");
  out.m_data = static_cast<const char*>(at);
  out.m_size = size;
  return std::optional<mapped_file>(std::move(out));
}

result<std::optional<std::string_view>> cache::read_entry(const char* path, std::string& buffer) const {
  // One fstat, which a regular file needs anyway to be told from a FIFO, a folder or a device;
  // it also gives the size, so the read asks for exactly that.
  std::uint64_t size64 = 0;
  const char* why = nullptr;
  const int fd = open_entry(path, size64, why);
  if (fd == -1) return std::optional<std::string_view>();
  if (fd < 0) return not_an_entry(path, why);
  fd_guard guard{fd};
  if (size64 > SIZE_MAX / 2) return not_an_entry(path, "too large");
  const auto size = static_cast<std::size_t>(size64);
  constexpr std::size_t first_size = 64 * 1024;
  if (buffer.size() < first_size) buffer.resize(first_size);
  // The first part; past it, only a file whose header declares exactly its size is read on
  // (anything else is corrupt anyway, and may be huge).
  std::size_t got = 0;
  if (!read_fully(fd, buffer.data(), std::min(size, buffer.size()), got))
    return not_an_entry(path, "cannot be read");
  if (got < size && got == buffer.size()) {
    if (!detail::declares_size(std::string_view(buffer.data(), got), size))
      return std::optional<std::string_view>(std::string_view(buffer.data(), got));
    buffer.resize(size);
    std::size_t more = 0;
    if (!read_fully(fd, buffer.data() + got, size - got, more)) return not_an_entry(path, "cannot be read");
    got += more;
  }
  return std::optional<std::string_view>(std::string_view(buffer.data(), got));
}

std::optional<std::string_view> cache::read_file(const char* path, std::string& buffer) const {
  auto got = read_entry(path, buffer);
  if (!got) return std::nullopt;
  return *got;
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
  // A fresh name nobody can guess (as mkstemp), created only if nothing has it: a symlink
  // or file planted under a predictable name would otherwise be written through.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    std::uint64_t random = 0;
    if (::getrandom(&random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
      static std::atomic<std::uint64_t> counter{0};
      random = detail::checksum(&random, sizeof random) ^ (static_cast<std::uint64_t>(::getpid()) << 32) ^
               counter.fetch_add(1) ^ static_cast<std::uint64_t>(default_now());
    }
    tmp = path.native();
    tmp += ".tmp.";
    append_hash16(tmp, std::string_view(reinterpret_cast<const char*>(&random), sizeof random));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
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
  // remove_all removes a symlink itself and never follows one inside a folder.
  std::error_code ec;
  fs::remove_all(path, ec);
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
  for (auto it = fs::recursive_directory_iterator(root(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
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
  // A name becomes a path component: anything but a project name (`/`, `..`, an absolute
  // path) could name a path outside the cache.
  for (const auto& raw : names)
    if (!packaging::is_valid_name(raw))
      return fail(errc::invalid_name, "cache clean: '" + raw + "' is not a valid project name");
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
      // Only through real folders: a bucket or index folder replaced by a symlink leads out.
      if (real_folder(root() / metadata_bucket))
        removed += fs::remove_all(root() / metadata_bucket / name, e2);
      if (!real_folder(root() / simple_bucket)) continue;
      for (const auto& idx : fs::directory_iterator(root() / simple_bucket, e2))
        if (!idx.is_symlink(e2) && idx.is_directory(e2) && fs::remove(idx.path() / (name + ".bin"), e2))
          ++removed;
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
  for (auto it = fs::recursive_directory_iterator(root(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    // The iterator does not descend into symlinked folders; nor is one taken for a folder here.
    if (!it->is_symlink(e2) && it->is_directory(e2))
      dirs.push_back(it->path());
    else if (is_temp_name(it->path().filename().string()))
      temps.push_back(it->path());
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
