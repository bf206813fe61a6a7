// Index tree writer. Output is a pure function of the projects given (sorted files and
// project lists, fixed zip timestamps), so two runs produce byte-identical trees.
#include "writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "pyresolve/index/upload_time.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/json.hpp"

namespace pyresolve::make_index {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_html_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#x27;";
        break;
      default:
        out += c;
    }
  }
}

/// Percent-encodes a filename for use as a URL path segment.
void append_url_quoted(std::string& out, std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += static_cast<char>(std::toupper(hex_digits[u >> 4]));
      out += static_cast<char>(std::toupper(hex_digits[u & 15]));
    }
  }
}

/// One line of a header field: a newline inside a value would start a new field.
void append_field(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ": ";
  for (char c : value) out += (c == '\n' || c == '\r') ? ' ' : c;
  out += '\n';
}

/// The extra named by `extra == "x"` in a requirement's marker, or empty.
std::string_view marker_extra(std::string_view req) {
  auto semi = req.find(';');
  if (semi == std::string_view::npos) return {};
  for (auto pos = req.find("extra", semi); pos != std::string_view::npos; pos = req.find("extra", pos + 5)) {
    std::size_t i = pos + 5;
    while (i < req.size() && req[i] == ' ') ++i;
    if (req.compare(i, 2, "==") != 0) continue;
    i += 2;
    while (i < req.size() && req[i] == ' ') ++i;
    if (i >= req.size() || (req[i] != '"' && req[i] != '\'')) continue;
    char quote = req[i++];
    auto end = req.find(quote, i);
    if (end == std::string_view::npos) return {};
    return req.substr(i, end - i);
  }
  return {};
}

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put16(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

std::string base64url_nopad(const unsigned char* data, std::size_t n) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < n; i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int k = 3; k >= 0; --k) out += alphabet[(v >> (6 * k)) & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

std::string wheel_record_hash(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return "sha256=" + base64url_nopad(digest, len);
}

}  // namespace

sha256_hasher::sha256_hasher() : m_ctx(EVP_MD_CTX_new()), m_digest(EVP_MAX_MD_SIZE) {}

std::string sha256_hasher::hex(std::string_view data) {
  unsigned int len = 0;
  EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(m_ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(m_ctx.get(), m_digest.data(), &len);
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += hex_digits[m_digest[i] >> 4];
    out += hex_digits[m_digest[i] & 15];
  }
  return out;
}

void render_metadata(std::string& out, std::string_view name, std::string_view version,
                     const core_fields& f) {
  out.clear();
  out += "Metadata-Version: 2.1\n";
  append_field(out, "Name", name);
  append_field(out, "Version", version);
  if (!f.requires_python.empty()) append_field(out, "Requires-Python", f.requires_python);
  for (const auto& r : f.requires_dist) append_field(out, "Requires-Dist", r);
  // Declare every extra a marker uses as well: pip ignores extras a distribution does not provide.
  std::vector<std::string_view> extras(f.provides_extras.begin(), f.provides_extras.end());
  for (const auto& r : f.requires_dist) {
    auto e = marker_extra(r);
    if (!e.empty() && std::find(extras.begin(), extras.end(), e) == extras.end()) extras.push_back(e);
  }
  for (auto e : extras) append_field(out, "Provides-Extra", e);
  out += '\n';
}

void build_wheel(std::string& out, std::string_view filename, std::string_view metadata,
                 sha256_hasher& hasher) {
  (void)hasher;
  std::string_view stem = filename.substr(0, filename.size() - 4);  // drop ".whl"
  auto parts = split(stem, '-');
  std::string dist_info;
  dist_info.append(parts[0]).append("-").append(parts.size() > 1 ? parts[1] : "0").append(".dist-info");
  std::string wheel = "Wheel-Version: 1.0\nGenerator: pyresolve make-index\nRoot-Is-Purelib: true\n";
  if (parts.size() >= 5) {
    auto n = parts.size();
    for (auto py : split(parts[n - 3], '.'))
      for (auto abi : split(parts[n - 2], '.'))
        for (auto plat : split(parts[n - 1], '.')) {
          wheel.append("Tag: ").append(py).append("-").append(abi).append("-").append(plat).append("\n");
        }
  }
  wheel += '\n';
  std::vector<std::pair<std::string, std::string>> entries;
  entries.emplace_back(dist_info + "/METADATA", std::string(metadata));
  entries.emplace_back(dist_info + "/WHEEL", std::move(wheel));
  std::string record;
  for (const auto& [path, data] : entries)
    record.append(path)
        .append(",")
        .append(wheel_record_hash(data))
        .append(",")
        .append(std::to_string(data.size()))
        .append("\n");
  record.append(dist_info).append("/RECORD,,\n");
  entries.emplace_back(dist_info + "/RECORD", std::move(record));

  // Stored (method 0) zip with a fixed 1980-01-01 timestamp, so the bytes are reproducible.
  out.clear();
  std::string central;
  for (const auto& [path, data] : entries) {
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = crc32(data);
    const auto size = static_cast<std::uint32_t>(data.size());
    const auto name_len = static_cast<std::uint32_t>(path.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, crc);
    put32(out, size);
    put32(out, size);
    put16(out, name_len);
    put16(out, 0);
    out += path;
    out += data;
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, name_len);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0100644u << 16);
    put32(central, offset);
    central += path;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, cd_offset);
  put16(out, 0);
}

void unique_fd::reset(int fd) noexcept {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = fd;
}

namespace {
error io_error(int err, std::string where) {
  return error{errc::io_error, std::strerror(err), std::move(where), 0, 0};
}

/// Creates (or truncates) `name` under `dir_fd` with one write. No fsync and no stat: the tree
/// is a rebuildable artifact, and paths relative to an open directory skip the path walk.
result<void> write_at(int dir_fd, const std::string& name, std::string_view data,
                      const std::filesystem::path& dir) {
  int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected<error>{io_error(errno, (dir / name).string())};
  unique_fd guard(fd);
  std::size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected<error>{io_error(errno, (dir / name).string())};
    }
    done += static_cast<std::size_t>(n);
  }
  // close() reports delayed write errors, so it is checked rather than left to the guard.
  if (::close(guard.release()) != 0) return unexpected<error>{io_error(errno, (dir / name).string())};
  return {};
}
}  // namespace

index_writer::index_writer(writer_options options) : m_options(std::move(options)) {}

index_writer::~index_writer() { (void)drain(); }

result<void> index_writer::run(const io_op& op) {
  const int dir_fd = op.in_files ? m_files_fd.get() : m_simple_fd.get();
  const auto dir = m_options.out / (op.in_files ? "files" : "simple");
  switch (op.type) {
    case io_op::kind::write:
      return write_at(dir_fd, op.name, op.data, dir);
    case io_op::kind::mkdir:
      if (::mkdirat(dir_fd, op.name.c_str(), 0755) != 0 && errno != EEXIST)
        return unexpected<error>{io_error(errno, (dir / op.name).string())};
      return {};
    case io_op::kind::link:
      // Link first and unlink only when a previous run left the name: a fresh tree then
      // costs one call per shared metadata file.
      if (::linkat(dir_fd, op.data.c_str(), dir_fd, op.name.c_str(), 0) == 0) return {};
      if (errno == EEXIST && ::unlinkat(dir_fd, op.name.c_str(), 0) == 0 &&
          ::linkat(dir_fd, op.data.c_str(), dir_fd, op.name.c_str(), 0) == 0)
        return {};
      // Unlike the old writer, no copy is written when hard links are unsupported (the
      // content is not kept for the I/O thread): such a file system is reported as an error.
      return unexpected<error>{io_error(errno, (dir / op.name).string())};
  }
  return {};
}

void index_writer::io_loop() {
  for (;;) {
    std::vector<io_op> batch;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [&] { return !m_queue.empty() || m_closing; });
      if (m_queue.empty()) return;
      batch = std::move(m_queue.front());
      m_queue.pop_front();
    }
    m_cv.notify_all();
    for (const auto& op : batch) {
      if (auto r = run(op); !r) {
        std::lock_guard lock(m_mutex);
        if (!m_io_error) m_io_error = r.error();
        break;
      }
    }
  }
}

result<void> index_writer::submit(std::vector<io_op>&& ops) {
  std::unique_lock lock(m_mutex);
  if (m_io_error) return unexpected<error>{*m_io_error};
  // A bounded queue keeps memory flat when the disk is slower than rendering.
  m_cv.wait(lock, [&] { return m_queue.size() < 64; });
  m_queue.push_back(std::move(ops));
  lock.unlock();
  m_cv.notify_all();
  return {};
}

result<void> index_writer::drain() {
  if (m_io_thread.joinable()) {
    {
      std::lock_guard lock(m_mutex);
      m_closing = true;
    }
    m_cv.notify_all();
    m_io_thread.join();
  }
  if (m_io_error) return unexpected<error>{*m_io_error};
  return {};
}

static result<void> make_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected<error>{error{errc::io_error, ec.message(), dir.string(), 0, 0}};
  return {};
}

result<void> index_writer::begin() {
  if (m_options.dry_run) return {};
  if (auto r = make_dir(m_options.out / "simple"); !r) return r;
  if (auto r = make_dir(m_options.out / "files"); !r) return r;
  for (auto [fd, sub] : {std::pair{&m_files_fd, "files"}, std::pair{&m_simple_fd, "simple"}}) {
    const auto dir = m_options.out / sub;
    fd->reset(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (fd->get() < 0) return unexpected<error>{io_error(errno, dir.string())};
  }
  m_io_thread = std::thread([this] { io_loop(); });
  return {};
}

namespace {
struct file_entry {
  std::string filename;
  std::string sha256;
  std::uint64_t size = 0;
  std::string metadata_sha256;
  const std::string* requires_python = nullptr;
  const std::optional<std::string>* yanked = nullptr;
  std::int64_t upload_time = 0;
};

/// The derived upload times (README, "Upload times"): the releases of a project in PEP 440
/// order (unparseable versions first, in input order; equal versions in input order), the
/// n-th one at 2000-01-01T00:00:00Z plus n hours, so every time is before the snapshot's
/// 2023-09-07 for up to 207,000 releases. A release whose input gives a time keeps it.
std::vector<std::int64_t> upload_times(const project& p) {
  constexpr std::int64_t base = 946'684'800LL * 1'000'000;  // 2000-01-01T00:00:00Z
  constexpr std::int64_t step = 3'600LL * 1'000'000;        // one hour
  std::vector<std::optional<packaging::version>> parsed;
  parsed.reserve(p.releases.size());
  for (const auto& r : p.releases) {
    auto v = packaging::version::parse(r.version);
    parsed.push_back(v ? std::optional<packaging::version>(std::move(*v)) : std::nullopt);
  }
  std::vector<std::size_t> order(p.releases.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (!parsed[a] || !parsed[b]) return !parsed[a] && parsed[b];
    return *parsed[a] < *parsed[b];
  });
  std::vector<std::int64_t> out(p.releases.size());
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const std::size_t i = order[rank];
    out[i] = p.releases[i].upload_time.value_or(base + static_cast<std::int64_t>(rank) * step);
  }
  return out;
}
}  // namespace

result<void> index_writer::write_project(const project& p) {
  const std::string norm = packaging::normalize_name(p.name);
  if (norm.empty()) return unexpected<error>{error{errc::invalid_name, "empty project name", {}, 0, 0}};
  m_projects.push_back(norm);
  ++m_stats.projects;
  std::vector<file_entry> entries;
  m_ops.clear();
  auto queue_write = [&](bool in_files, std::string name, std::string_view data) {
    m_stats.bytes += data.size();
    if (!m_options.dry_run)
      m_ops.push_back({io_op::kind::write, in_files, std::move(name), std::string(data)});
  };
  std::string sdist_name = norm;
  std::replace(sdist_name.begin(), sdist_name.end(), '-', '_');  // PEP 625 sdist names
  const std::vector<std::int64_t> times = upload_times(p);

  for (std::size_t release_no = 0; release_no < p.releases.size(); ++release_no) {
    const release& r = p.releases[release_no];
    ++m_stats.releases;
    // Most wheels of a release share metadata: render and hash it once.
    render_metadata(m_meta, p.name, r.version, r.fields);
    const std::string shared_meta = m_meta;
    const std::string shared_hash = m_hasher.hex(shared_meta);
    std::string shared_name;
    auto add = [&](const std::string& filename, const core_fields* override_fields,
                   bool is_wheel) -> result<void> {
      const std::string* meta = &shared_meta;
      std::string meta_hash = shared_hash;
      const std::string* rp = &r.fields.requires_python;
      if (override_fields) {
        render_metadata(m_meta, p.name, r.version, *override_fields);
        meta = &m_meta;
        meta_hash = m_hasher.hex(m_meta);
        rp = &override_fields->requires_python;
      }
      // Wheels of one release share their metadata: hard-link it instead of writing it again
      // (fewer data blocks; file creation dominates the run time).
      std::string meta_name = filename + ".metadata";
      if (override_fields || shared_name.empty()) {
        if (!override_fields) shared_name = meta_name;
        queue_write(true, std::move(meta_name), *meta);
      } else {
        m_stats.bytes += meta->size();
        if (!m_options.dry_run) m_ops.push_back({io_op::kind::link, true, std::move(meta_name), shared_name});
      }
      file_entry e{filename, {}, 0, std::move(meta_hash), rp, &r.yanked, times[release_no]};
      if (is_wheel && m_options.with_wheels) {
        build_wheel(m_blob, filename, *meta, m_hasher);
        queue_write(true, filename, m_blob);
      } else {
        // No real bytes: hash a documented stand-in (see README, "sha256 rule").
        m_blob.assign("pyresolve-make-index stand-in\nfilename: ")
            .append(filename)
            .append("\nmetadata-sha256: ")
            .append(e.metadata_sha256)
            .append("\n");
      }
      e.sha256 = m_hasher.hex(m_blob);
      e.size = m_blob.size();
      entries.push_back(std::move(e));
      ++m_stats.files;
      return {};
    };
    for (const auto& w : r.wheels) {
      if (auto res = add(w.filename, w.fields ? &*w.fields : nullptr, true); !res) {
        auto err = res.error();
        err.message = "project " + p.name + " version " + r.version + ": " + err.message;
        return unexpected<error>{std::move(err)};
      }
    }
    if (r.sdist) {
      if (auto res = add(sdist_name + '-' + r.version + ".tar.gz", nullptr, false); !res) return res;
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.filename < b.filename; });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const auto& a, const auto& b) { return a.filename == b.filename; }),
                entries.end());

  m_html.clear();
  m_html +=
      "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n";
  m_html +=
      "    <title>Links for " + norm + "</title>\n  </head>\n  <body>\n    <h1>Links for " + norm + "</h1>\n";
  m_json.clear();
  m_json += "{\"meta\":{\"api-version\":\"1.1\"},\"name\":";
  append_json_string(m_json, norm);
  m_json += ",\"versions\":[";
  for (std::size_t i = 0; i < p.releases.size(); ++i) {
    if (i) m_json += ',';
    append_json_string(m_json, p.releases[i].version);
  }
  m_json += "],\"files\":[";
  bool first = true;
  for (const auto& e : entries) {
    m_html += "    <a href=\"../../files/";
    append_url_quoted(m_html, e.filename);
    m_html += "#sha256=" + e.sha256 + '"';
    if (!e.requires_python->empty()) {
      m_html += " data-requires-python=\"";
      append_html_escaped(m_html, *e.requires_python);
      m_html += '"';
    }
    m_html += " data-dist-info-metadata=\"sha256=" + e.metadata_sha256 +
              "\" data-core-metadata=\"sha256=" + e.metadata_sha256 + '"';
    if (e.yanked->has_value()) {
      m_html += " data-yanked=\"";
      append_html_escaped(m_html, **e.yanked);
      m_html += '"';
    }
    m_html += '>';
    append_html_escaped(m_html, e.filename);
    m_html += "</a><br/>\n";

    if (!first) m_json += ',';
    first = false;
    m_json += "\n{\"filename\":";
    append_json_string(m_json, e.filename);
    m_json += ",\"url\":\"../../files/";
    {
      std::string quoted;
      append_url_quoted(quoted, e.filename);
      m_json += quoted;
    }
    m_json += "\",\"hashes\":{\"sha256\":\"" + e.sha256 + "\"}";
    if (!e.requires_python->empty()) {
      m_json += ",\"requires-python\":";
      append_json_string(m_json, *e.requires_python);
    }
    m_json += ",\"core-metadata\":{\"sha256\":\"" + e.metadata_sha256 +
              "\"},\"dist-info-metadata\":{\"sha256\":\"" + e.metadata_sha256 +
              "\"},\"size\":" + std::to_string(e.size) + ",\"upload-time\":\"" +
              index::format_upload_time(e.upload_time) + "\",\"yanked\":";
    if (!e.yanked->has_value()) {
      m_json += "false";
    } else if ((*e.yanked)->empty()) {
      m_json += "true";
    } else {
      append_json_string(m_json, **e.yanked);
    }
    m_json += '}';
  }
  m_html += "  </body>\n</html>\n";
  m_json += "]}\n";

  if (!m_options.dry_run) m_ops.push_back({io_op::kind::mkdir, false, norm, {}});
  queue_write(false, norm + "/index.html", m_html);
  queue_write(false, norm + "/index.json", m_json);
  if (m_options.dry_run) return {};
  return submit(std::move(m_ops));
}

result<void> index_writer::finish() {
  std::sort(m_projects.begin(), m_projects.end());
  m_projects.erase(std::unique(m_projects.begin(), m_projects.end()), m_projects.end());
  m_html =
      "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
      "    <title>Simple index</title>\n  </head>\n  <body>\n";
  m_json = "{\"meta\":{\"api-version\":\"1.1\"},\"projects\":[";
  bool first = true;
  for (const auto& name : m_projects) {
    m_html += "    <a href=\"" + name + "/\">" + name + "</a><br/>\n";
    if (!first) m_json += ',';
    first = false;
    m_json += "\n{\"name\":";
    append_json_string(m_json, name);
    m_json += '}';
  }
  m_html += "  </body>\n</html>\n";
  m_json += "]}\n";
  m_stats.bytes += m_html.size() + m_json.size();
  if (m_options.dry_run) return {};
  std::vector<io_op> ops;
  ops.push_back({io_op::kind::write, false, "index.html", m_html});
  ops.push_back({io_op::kind::write, false, "index.json", m_json});
  if (auto r = submit(std::move(ops)); !r) return r;
  return drain();
}

}  // namespace pyresolve::make_index
