#pragma once
/// @file
/// Writes a static PEP 503 / 691 / 658 / 714 index tree from projects.

#include <openssl/evp.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
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

class index_writer {
 public:
  explicit index_writer(writer_options options);
  [[nodiscard]] result<void> begin();
  /// Writes simple/<name>/index.{html,json} and the files' metadata (and wheels).
  [[nodiscard]] result<void> write_project(const project& p);
  /// Writes the project lists simple/index.{html,json}.
  [[nodiscard]] result<void> finish();
  [[nodiscard]] const writer_stats& stats() const noexcept { return m_stats; }

 private:
  [[nodiscard]] result<void> write_file(const std::filesystem::path& path, std::string_view data);

  writer_options m_options;
  writer_stats m_stats;
  sha256_hasher m_hasher;
  std::vector<std::string> m_projects;
  std::string m_html, m_json, m_meta, m_blob;  // reused buffers
};

/// The core metadata file text (Metadata-Version 2.1) for one distribution.
void render_metadata(std::string& out, std::string_view name, std::string_view version, const core_fields& f);

/// A minimal valid wheel (stored zip): the metadata as `*.dist-info/METADATA`, `WHEEL`, `RECORD`.
void build_wheel(std::string& out, std::string_view filename, std::string_view metadata, sha256_hasher& hasher);

}  // namespace pyresolve::make_index
