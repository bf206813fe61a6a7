#include "detail/zip.hpp"

#include "detail/backend.hpp"

#include <algorithm>
#include <optional>

#include "pyresolve/index/project_page.hpp"

namespace pyresolve::index::detail {
namespace {

constexpr std::uint32_t sig_local = 0x04034b50U;
constexpr std::uint32_t sig_central = 0x02014b50U;
constexpr std::uint32_t sig_eocd = 0x06054b50U;
constexpr std::uint32_t sig_zip64_eocd = 0x06064b50U;
constexpr std::uint32_t sig_zip64_locator = 0x07064b50U;
constexpr std::size_t eocd_size = 22, zip64_eocd_size = 56, zip64_locator_size = 20, central_size = 46,
                      local_size = 30;
// METADATA is kilobytes; the cap keeps a hostile size field from allocating gigabytes.
constexpr std::uint64_t metadata_max = 64U << 20;

unexpected<error> zip_error(std::string_view url, std::string message) {
  return unexpected<error>{error{errc::invalid_metadata, std::move(message), redact_url(url), 0, 0}};
}

std::uint64_t le(std::string_view s, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = width; i-- > 0;) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}
std::uint16_t le16(std::string_view s, std::size_t at) { return static_cast<std::uint16_t>(le(s, at, 2)); }
std::uint32_t le32(std::string_view s, std::size_t at) { return static_cast<std::uint32_t>(le(s, at, 4)); }
std::uint64_t le64(std::string_view s, std::size_t at) { return le(s, at, 8); }

struct central_directory {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t entries = 0;
  std::uint64_t end = 0;  ///< where the end records start: the directory must lie before it
};

struct member {
  std::string name;
  std::uint16_t method = 0;
  std::uint64_t compressed = 0;
  std::uint64_t uncompressed = 0;
  std::uint64_t local_offset = 0;
};

/// Bytes [offset, offset + length) of the archive: from the tail when they are in it.
class archive_bytes {
 public:
  archive_bytes(std::string_view tail, std::uint64_t total, const range_reader& read, std::string_view url)
      : m_tail(tail), m_tail_start(total - tail.size()), m_total(total), m_read(read), m_url(url) {}
  result<std::string> get(std::uint64_t offset, std::uint64_t length) const {
    if (offset > m_total || length > m_total - offset)
      return zip_error(m_url, "corrupt zip: " + std::to_string(length) + " bytes at " +
                                  std::to_string(offset) + " are past the end (" + std::to_string(m_total) +
                                  " bytes)");
    if (offset >= m_tail_start) return std::string(m_tail.substr(offset - m_tail_start, length));
    return m_read(offset, length);
  }
  [[nodiscard]] std::string_view tail() const noexcept { return m_tail; }
  [[nodiscard]] std::uint64_t tail_start() const noexcept { return m_tail_start; }
  [[nodiscard]] std::uint64_t total() const noexcept { return m_total; }

 private:
  std::string_view m_tail;
  std::uint64_t m_tail_start, m_total;
  const range_reader& m_read;
  std::string_view m_url;
};

/// The end records: the classic one in the tail, and the ZIP64 record its locator points at.
result<central_directory> find_central_directory(const archive_bytes& zip, std::string_view url) {
  std::string_view tail = zip.tail();
  if (tail.size() < eocd_size) return zip_error(url, "not a zip archive (shorter than an end record)");
  std::optional<std::size_t> at;
  for (std::size_t i = tail.size() - eocd_size + 1; i-- > 0;) {
    // The comment length must fit what follows, which rules out the signature inside a comment.
    if (le32(tail, i) == sig_eocd && i + eocd_size + le16(tail, i + 20) <= tail.size()) {
      at = i;
      break;
    }
  }
  if (!at) return zip_error(url, "not a zip archive (no end of central directory)");
  central_directory cd;
  cd.entries = le16(tail, *at + 10);
  cd.size = le32(tail, *at + 12);
  cd.offset = le32(tail, *at + 16);
  cd.end = zip.tail_start() + *at;
  bool has_locator = *at >= zip64_locator_size && le32(tail, *at - zip64_locator_size) == sig_zip64_locator;
  if (!has_locator) {
    if (cd.entries == 0xFFFF || cd.size == 0xFFFFFFFFU || cd.offset == 0xFFFFFFFFU)
      return zip_error(url, "corrupt zip: end record asks for ZIP64 but there is no ZIP64 locator");
  } else {
    std::uint64_t record_at = le64(tail, *at - zip64_locator_size + 8);
    if (record_at + zip64_eocd_size > cd.end - zip64_locator_size)
      return zip_error(url, "corrupt zip: the ZIP64 locator points past the end records");
    auto record = zip.get(record_at, zip64_eocd_size);
    if (!record) return unexpected<error>{std::move(record).error()};
    if (le32(*record, 0) != sig_zip64_eocd)
      return zip_error(url, "corrupt zip: no ZIP64 end of central directory record");
    cd.entries = le64(*record, 32);
    cd.size = le64(*record, 40);
    cd.offset = le64(*record, 48);
    cd.end = record_at;
  }
  if (cd.offset > cd.end || cd.size > cd.end - cd.offset)
    return zip_error(url, "corrupt zip: central directory (" + std::to_string(cd.size) + " bytes at " +
                              std::to_string(cd.offset) + ") does not end before the end record at " +
                              std::to_string(cd.end));
  if (cd.entries > cd.size / central_size)
    return zip_error(url, "corrupt zip: more entries than the central directory holds");
  return cd;
}

/// Applies a ZIP64 extended-information extra field: the 64-bit values of the fields that
/// are saturated in the fixed part, in this order.
bool apply_zip64_extra(std::string_view extra, member& m, bool want_uncompressed, bool want_compressed,
                       bool want_offset) {
  std::size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    std::uint16_t id = le16(extra, pos), len = le16(extra, pos + 2);
    if (pos + 4 + len > extra.size()) return false;
    if (id == 0x0001) {
      std::string_view data = extra.substr(pos + 4, len);
      std::size_t at = 0;
      auto next = [&](std::uint64_t& into) {
        if (at + 8 > data.size()) return false;
        into = le64(data, at);
        at += 8;
        return true;
      };
      return (!want_uncompressed || next(m.uncompressed)) && (!want_compressed || next(m.compressed)) &&
             (!want_offset || next(m.local_offset));
    }
    pos += 4 + std::size_t{len};
  }
  return !want_uncompressed && !want_compressed && !want_offset;
}

/// The `<name>-<version>.dist-info/METADATA` member; every entry is checked on the way.
result<std::optional<member>> find_metadata_member(std::string_view cd, std::uint64_t entries,
                                                   std::string_view url) {
  std::optional<member> found;
  std::size_t pos = 0;
  for (std::uint64_t n = 0; n < entries; ++n) {
    auto bad = [&](const char* what) {
      return zip_error(url, "corrupt zip central directory: entry " + std::to_string(n) + " at byte " +
                                std::to_string(pos) + ": " + what);
    };
    if (pos + central_size > cd.size()) return bad("truncated");
    if (le32(cd, pos) != sig_central) return bad("bad signature");
    member m;
    m.method = le16(cd, pos + 10);
    m.compressed = le32(cd, pos + 20);
    m.uncompressed = le32(cd, pos + 24);
    std::size_t name_len = le16(cd, pos + 28), extra_len = le16(cd, pos + 30),
                comment_len = le16(cd, pos + 32);
    m.local_offset = le32(cd, pos + 42);
    std::size_t next = pos + central_size + name_len + extra_len + comment_len;
    if (next > cd.size()) return bad("name, extra field or comment truncated");
    m.name.assign(cd.substr(pos + central_size, name_len));
    auto slash = m.name.find('/');
    if (slash != std::string::npos && m.name.substr(slash) == "/METADATA" &&
        std::string_view(m.name).substr(0, slash).ends_with(".dist-info")) {
      if (!apply_zip64_extra(cd.substr(pos + central_size + name_len, extra_len), m,
                             m.uncompressed == 0xFFFFFFFFU, m.compressed == 0xFFFFFFFFU,
                             m.local_offset == 0xFFFFFFFFU))
        return bad("missing or short ZIP64 extra field");
      found = std::move(m);
    }
    pos = next;
  }
  return found;
}

/// Stored or deflated member data -> its bytes.
result<std::string> inflate_member(const member& m, std::string_view data, std::string_view url) {
  if (m.uncompressed > metadata_max || m.compressed > metadata_max)
    return zip_error(url, m.name + " is larger than 64 MiB");
  if (m.method == 0) return std::string(data.substr(0, m.compressed));
  if (m.method != 8)
    return zip_error(url, m.name + " uses unsupported zip compression method " + std::to_string(m.method));
  const auto& loaded = detail::backend();
  if (!loaded) return unexpected<error>{loaded.error()};
  const zlib_api& z = (*loaded)->zlib;
  std::string out(m.uncompressed, '\0');
  z_stream zs{};
  if (z.inflateInit2_(&zs, -MAX_WBITS, ZLIB_VERSION, static_cast<int>(sizeof(z_stream))) != Z_OK)
    return zip_error(url, "zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::uint64_t>(data.size(), m.compressed));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = z.inflate(&zs, Z_FINISH);
  z.inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != m.uncompressed)
    return zip_error(url, "corrupt deflate data in " + m.name);
  return out;
}

}  // namespace

result<std::string> wheel_metadata(std::string_view tail, std::uint64_t total, const range_reader& read,
                                   std::string_view url) {
  if (tail.size() > total) return zip_error(url, "bad archive length");
  archive_bytes zip(tail, total, read, url);
  auto cd = find_central_directory(zip, url);
  if (!cd) return unexpected<error>{std::move(cd).error()};
  auto cd_bytes = zip.get(cd->offset, cd->size);
  if (!cd_bytes) return unexpected<error>{std::move(cd_bytes).error()};
  auto found = find_metadata_member(*cd_bytes, cd->entries, url);
  if (!found) return unexpected<error>{std::move(found).error()};
  if (!*found) return zip_error(url, "wheel has no .dist-info/METADATA");
  const member& m = **found;
  if (m.local_offset >= cd->offset)
    return zip_error(url, "corrupt zip: " + m.name + " starts after the central directory");
  if (m.compressed > metadata_max) return zip_error(url, m.name + " is larger than 64 MiB");
  // The local header's name and extra lengths may differ from the central copy: read the
  // header plus a margin, then the data if the margin was not enough.
  const std::uint64_t room = cd->offset - m.local_offset;
  auto head = zip.get(m.local_offset, std::min<std::uint64_t>(room, local_size + 1024 + m.compressed));
  if (!head) return unexpected<error>{std::move(head).error()};
  if (head->size() < local_size || le32(*head, 0) != sig_local)
    return zip_error(url, "bad zip local header of " + m.name);
  const std::uint64_t start = local_size + std::uint64_t{le16(*head, 26)} + le16(*head, 28);
  if (start > room || m.compressed > room - start) return zip_error(url, "truncated zip member " + m.name);
  if (start + m.compressed <= head->size())
    return inflate_member(m, std::string_view(*head).substr(start), url);
  auto data = zip.get(m.local_offset + start, m.compressed);
  if (!data) return unexpected<error>{std::move(data).error()};
  return inflate_member(m, *data, url);
}

}  // namespace pyresolve::index::detail
