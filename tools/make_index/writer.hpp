#pragma once
/// @file
/// Writes a static PEP 503 / 691 / 658 / 714 index tree from projects.

#include <openssl/evp.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "model.hpp"

namespace pyresolve::make_index {

/// SHA-256 with one reused EVP context (creating one per file costs more than hashing
/// a small metadata file).
class sha256_hasher {
 public:
  sha256_hasher();
  [[nodiscard]] std::string hex(std::string_view data);

 private:
  struct ctx_deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, ctx_deleter> m_ctx;
  std::vector<unsigned char> m_digest;
};

struct writer_options {
  std::filesystem::path out;
  bool with_wheels = false;  ///< write real stored-zip wheels and hash their bytes
  bool dry_run = false;      ///< build and hash everything, write nothing (for timing)
};

struct writer_stats {
  std::uint64_t projects = 0;
  std::uint64_t releases = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};

/// Owns a file descriptor (closed on destruction).
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : m_fd(fd) {}
  unique_fd(unique_fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    reset(std::exchange(o.m_fd, -1));
    return *this;
  }
  ~unique_fd() { reset(); }
  void reset(int fd = -1) noexcept;
  [[nodiscard]] int get() const noexcept { return m_fd; }
  [[nodiscard]] int release() noexcept { return std::exchange(m_fd, -1); }

 private:
  int m_fd = -1;
};

/// One file system operation, relative to the files/ or simple/ directory.
struct io_op {
  enum class kind { write, link, mkdir } type;
  bool in_files = true;  ///< relative to files/ (else simple/)
  std::string name;      ///< path relative to that directory
  std::string data;      ///< bytes to write, or the link target's name (in files/)
};

/// Writes the tree. Rendering and hashing run on the caller's thread; the file system calls
/// run in order on one background thread, so the two overlap (file creation dominates).
class index_writer {
 public:
  explicit index_writer(writer_options options);
  ~index_writer();
  index_writer(const index_writer&) = delete;
  index_writer& operator=(const index_writer&) = delete;
  [[nodiscard]] result<void> begin();
  /// Writes simple/<name>/index.{html,json} and the files' metadata (and wheels).
  [[nodiscard]] result<void> write_project(const project& p);
  /// Writes the project lists simple/index.{html,json}.
  [[nodiscard]] result<void> finish();
  [[nodiscard]] const writer_stats& stats() const noexcept { return m_stats; }

 private:
  /// Queues one project's operations (bounded queue: waits while the I/O thread is behind).
  [[nodiscard]] result<void> submit(std::vector<io_op>&& ops);
  /// Waits for the queue to drain and stops the I/O thread; returns its first error.
  [[nodiscard]] result<void> drain();
  void io_loop();
  [[nodiscard]] result<void> run(const io_op& op);

  writer_options m_options;
  unique_fd m_files_fd, m_simple_fd;
  std::vector<io_op> m_ops;  // the current project's operations
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::vector<io_op>> m_queue;
  bool m_closing = false;
  std::optional<error> m_io_error;
  std::thread m_io_thread;
  writer_stats m_stats;
  sha256_hasher m_hasher;
  std::vector<std::string> m_projects;
  std::string m_html, m_json, m_meta, m_blob;  // reused buffers
};

/// The core metadata file text (Metadata-Version 2.1) for one distribution.
void render_metadata(std::string& out, std::string_view name, std::string_view version, const core_fields& f);

/// A minimal valid wheel (stored zip): the metadata as `*.dist-info/METADATA`, `WHEEL`, `RECORD`.
void build_wheel(std::string& out, std::string_view filename, std::string_view metadata,
                 sha256_hasher& hasher);

}  // namespace pyresolve::make_index
