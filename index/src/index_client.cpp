#include "pyresolve/index/index_client.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "detail/sdist.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::index {
namespace {

unexpected<error> fetch_error(std::string_view url, std::string message, errc code = errc::io_error) {
  return unexpected<error>{error{code, std::move(message), redact_url(url), 0, 0}};
}

std::string strip_slash(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  return std::string(url);
}

/// Reads a local file; nullopt when it does not exist.
std::optional<std::string> read_local(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

/// The path of a `file://` URL (percent-escapes are not expected in make-index trees).
std::string file_path(std::string_view url) {
  url.remove_prefix(std::strlen("file://"));
  if (url.starts_with("localhost/")) url.remove_prefix(std::strlen("localhost"));
  return std::string(url);
}

std::uint32_t le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

struct zip_entry {
  std::string name;
  std::uint16_t method = 0;
  std::uint32_t compressed = 0;
  std::uint32_t uncompressed = 0;
  std::uint32_t local_offset = 0;
};

struct zip_directory {
  std::uint32_t cd_offset = 0;
  std::uint32_t cd_size = 0;
};

/// Finds the end-of-central-directory record in the tail of an archive.
std::optional<zip_directory> find_eocd(std::string_view tail) {
  if (tail.size() < 22) return std::nullopt;
  for (std::size_t i = tail.size() - 22 + 1; i-- > 0;) {
    auto* p = reinterpret_cast<const unsigned char*>(tail.data() + i);
    if (le32(p) == 0x06054b50U) return zip_directory{le32(p + 16), le32(p + 12)};
  }
  return std::nullopt;
}

/// The `<name>-<version>.dist-info/METADATA` entry of a wheel's central directory.
std::optional<zip_entry> find_metadata_entry(std::string_view cd) {
  std::optional<zip_entry> found;
  std::size_t pos = 0;
  while (pos + 46 <= cd.size()) {
    auto* p = reinterpret_cast<const unsigned char*>(cd.data() + pos);
    if (le32(p) != 0x02014b50U) break;
    zip_entry e;
    e.method = le16(p + 10);
    e.compressed = le32(p + 20);
    e.uncompressed = le32(p + 24);
    std::size_t n = le16(p + 28), extra = le16(p + 30), comment = le16(p + 32);
    e.local_offset = le32(p + 42);
    if (pos + 46 + n > cd.size()) break;
    e.name.assign(cd.substr(pos + 46, n));
    auto slash = e.name.find('/');
    if (slash != std::string::npos && e.name.substr(slash) == "/METADATA" &&
        std::string_view(e.name).substr(0, slash).ends_with(".dist-info"))
      found = e;
    pos += 46 + n + extra + comment;
  }
  return found;
}

/// Stored or deflated member data -> its bytes.
result<std::string> inflate_entry(const zip_entry& e, std::string_view data, std::string_view url) {
  if (e.method == 0) return std::string(data.substr(0, e.compressed));
  if (e.method != 8) return fetch_error(url, "METADATA uses unsupported zip compression method " + std::to_string(e.method), errc::invalid_metadata);
  std::string out(e.uncompressed, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return fetch_error(url, "zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), e.compressed));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != e.uncompressed)
    return fetch_error(url, "corrupt deflate data in METADATA", errc::invalid_metadata);
  return out;
}

/// Extracts METADATA out of a complete archive in memory.
result<std::string> metadata_from_archive(std::string_view zip, std::string_view url) {
  auto tail = zip.substr(zip.size() > 66000 ? zip.size() - 66000 : 0);
  auto eocd = find_eocd(tail);
  if (!eocd || std::size_t{eocd->cd_offset} + eocd->cd_size > zip.size())
    return fetch_error(url, "not a zip archive (no end of central directory)", errc::invalid_metadata);
  auto entry = find_metadata_entry(zip.substr(eocd->cd_offset, eocd->cd_size));
  if (!entry) return fetch_error(url, "wheel has no .dist-info/METADATA", errc::invalid_metadata);
  std::size_t lh = entry->local_offset;
  if (lh + 30 > zip.size() || le32(reinterpret_cast<const unsigned char*>(zip.data() + lh)) != 0x04034b50U)
    return fetch_error(url, "bad zip local header", errc::invalid_metadata);
  auto* p = reinterpret_cast<const unsigned char*>(zip.data() + lh);
  std::size_t start = lh + 30 + le16(p + 26) + le16(p + 28);
  if (start + entry->compressed > zip.size()) return fetch_error(url, "truncated zip member", errc::invalid_metadata);
  return inflate_entry(*entry, zip.substr(start, entry->compressed), url);
}

}  // namespace

namespace {
struct url_parts {
  std::string user, password, host;
};
url_parts parts_of(std::string_view url) {
  url_parts out;
  CURLU* h = curl_url();
  if (!h) return out;
  std::string u(url);
  if (curl_url_set(h, CURLUPART_URL, u.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    auto get = [&](CURLUPart part, std::string& into) {
      char* p = nullptr;
      if (curl_url_get(h, part, &p, 0) == CURLUE_OK && p) into = p;
      curl_free(p);
    };
    get(CURLUPART_USER, out.user);
    get(CURLUPART_PASSWORD, out.password);
    get(CURLUPART_HOST, out.host);
  }
  curl_url_cleanup(h);
  return out;
}
}  // namespace

std::string strip_credentials(std::string_view url) {
  std::string r = redact_url(url);
  if (auto p = r.find("***@"); p != std::string::npos) r.erase(p, 4);
  return r;
}

std::string with_credentials_of(std::string_view url, std::string_view index_url) {
  auto idx = parts_of(index_url);
  if (idx.user.empty()) return std::string(url);
  auto file = parts_of(url);
  if (!file.user.empty() || file.host != idx.host) return std::string(url);
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, scheme + 3));
  out += idx.user;
  if (!idx.password.empty()) out += ":" + idx.password;
  out += "@";
  out += url.substr(scheme + 3);
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::vector<std::string> index_locations::ordered() const {
  if (no_index) return {};
  std::vector<std::string> out = extra_index_urls;
  out.push_back(index_url);
  return out;
}

namespace {
const std::string& base_of(const page_response& r) { return r.base_url.empty() ? r.url : r.base_url; }
}  // namespace

result<project_page> parse_page(const page_response& response) {
  std::string_view ct = response.content_type;
  if (auto semi = ct.find(';'); semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (ct.ends_with(' ')) ct.remove_suffix(1);
  if (ct == "application/vnd.pypi.simple.v1+json") return parse_json_page(response.body, base_of(response));
  if (ct == "text/html" || ct == "application/vnd.pypi.simple.v1+html" || ct == "application/xhtml+xml")
    return parse_html_page(response.body, base_of(response));
  return fetch_error(response.url, "unsupported content type '" + std::string(ct) + "' for a project page",
                     errc::invalid_argument);
}

result<page_response> index_client::fetch_page(std::string_view index_url, std::string_view normalized_name,
                                               const cache_headers* validators) {
  std::string base = strip_slash(index_url);
  page_response out;
  if (base.starts_with("file://")) {
    std::string dir = file_path(base) + "/" + std::string(normalized_name) + "/";
    out.url = base + "/" + std::string(normalized_name) + "/";
    out.base_url = out.url;
    if (auto json = read_local(dir + "index.json")) {
      out.body = std::move(*json);
      out.content_type = "application/vnd.pypi.simple.v1+json";
    } else if (auto html = read_local(dir + "index.html")) {
      out.body = std::move(*html);
      out.content_type = "text/html";
    } else {
      out.status = page_response::status_kind::not_found;
    }
    return out;
  }
  http_request req;
  req.url = base + "/" + std::string(normalized_name) + "/";
  std::string requested = req.url;
  req.headers.emplace_back(page_accept);
  if (validators) {
    req.if_none_match = validators->etag;
    req.if_modified_since = validators->last_modified;
  }
  auto resp = m_http.get(std::move(req));
  if (!resp) return unexpected<error>{std::move(resp).error()};
  out.url = resp->effective_url;
  // Not redirected: resolve against the URL we asked for, credentials included, so that files
  // on the same host get them too. Redirected: against the target (curl did not forward
  // credentials to another host either).
  out.base_url = out.url == redact_url(requested) ? requested : out.url;
  if (resp->status == 304) {
    out.status = page_response::status_kind::not_modified;
  } else if (resp->status == 404 || resp->status == 410) {
    out.status = page_response::status_kind::not_found;
    return out;
  } else if (resp->status != 200) {
    return fetch_error(out.url, "HTTP status " + std::to_string(resp->status));
  }
  out.body = std::move(resp->body);
  out.content_type = std::move(resp->content_type);
  out.headers = cache_headers{std::move(resp->etag), std::move(resp->last_modified), std::move(resp->cache_control),
                              std::move(resp->date), std::move(resp->age)};
  return out;
}

result<std::string> index_client::fetch_metadata_text(const dist_file& file) {
  if (file.has_metadata) {
    std::string url = file.url + ".metadata";
    std::string body;
    if (url.starts_with("file://")) {
      auto local = read_local(file_path(url));
      if (!local) return fetch_error(url, "no such file", errc::not_found);
      body = std::move(*local);
    } else {
      auto resp = m_http.get(http_request{url, {}, {}, {}, {}});
      if (!resp) return unexpected<error>{std::move(resp).error()};
      if (resp->status != 200) return fetch_error(url, "HTTP status " + std::to_string(resp->status));
      body = std::move(resp->body);
    }
    if (!file.metadata_sha256.empty() && sha256_hex(body) != file.metadata_sha256)
      return fetch_error(url, "sha256 mismatch: expected " + file.metadata_sha256 + ", got " + sha256_hex(body),
                         errc::invalid_metadata);
    return body;
  }
  if (std::string_view(file.filename).ends_with(".whl")) return read_range_metadata(file);
  auto archive = download(file);
  if (!archive) return unexpected<error>{std::move(archive).error()};
  return detail::sdist_pkg_info(*archive, file.filename, file.url);
}

result<std::string> index_client::download(const dist_file& file) {
  std::string body;
  if (file.url.starts_with("file://")) {
    auto local = read_local(file_path(file.url));
    if (!local) return fetch_error(file.url, "no such file", errc::not_found);
    body = std::move(*local);
  } else {
    auto resp = m_http.get(http_request{file.url, {}, {}, {}, {}});
    if (!resp) return unexpected<error>{std::move(resp).error()};
    if (resp->status != 200) return fetch_error(file.url, "HTTP status " + std::to_string(resp->status));
    body = std::move(resp->body);
  }
  return check_file_hash(file, std::move(body));
}

result<std::string> index_client::check_file_hash(const dist_file& file, std::string body) {
  if (!file.sha256.empty()) {
    auto got = sha256_hex(body);
    if (got != file.sha256)
      return fetch_error(file.url, "sha256 mismatch of " + file.filename + ": expected " + file.sha256 + ", got " + got,
                         errc::invalid_metadata);
  }
  return body;
}

result<std::string> index_client::read_range_metadata(const dist_file& file) {
  const std::string& url = file.url;
  auto full = [&](std::string body) -> result<std::string> {
    auto checked = check_file_hash(file, std::move(body));
    if (!checked) return unexpected<error>{std::move(checked).error()};
    return metadata_from_archive(*checked, url);
  };
  if (url.starts_with("file://")) {
    auto local = download(file);
    if (!local) return unexpected<error>{std::move(local).error()};
    return metadata_from_archive(*local, url);
  }
  // The central directory of a wheel is almost always within its last 64 KiB.
  constexpr std::int64_t tail_size = 65536;
  auto tail = m_http.get(http_request{url, {}, {}, {}, std::pair<std::int64_t, std::int64_t>{-tail_size, 0}});
  if (!tail) return unexpected<error>{std::move(tail).error()};
  if (tail->status == 200) {
    if (m_log) m_log(log_level::debug, redact_url(url) + ": server ignored the range request, read the whole wheel");
    return full(std::move(tail->body));
  }
  if (tail->status != 206) return fetch_error(url, "HTTP status " + std::to_string(tail->status));
  // Content-Range: bytes first-last/total
  std::uint64_t total = 0;
  if (auto slash = tail->content_range.rfind('/'); slash != std::string::npos)
    total = std::strtoull(tail->content_range.c_str() + slash + 1, nullptr, 10);
  if (total == 0 || total < tail->body.size()) return fetch_error(url, "bad Content-Range '" + tail->content_range + "'");
  std::uint64_t tail_start = total - tail->body.size();
  auto eocd = find_eocd(tail->body);
  if (!eocd) return fetch_error(url, "not a zip archive (no end of central directory)", errc::invalid_metadata);
  std::string cd;
  if (eocd->cd_offset >= tail_start && eocd->cd_offset + std::uint64_t{eocd->cd_size} <= total) {
    cd = tail->body.substr(eocd->cd_offset - tail_start, eocd->cd_size);
  } else {
    auto r = m_http.get(http_request{url, {}, {}, {}, std::pair<std::int64_t, std::int64_t>{eocd->cd_offset, std::int64_t{eocd->cd_offset} + eocd->cd_size - 1}});
    if (!r) return unexpected<error>{std::move(r).error()};
    if (r->status != 206 || r->body.size() != eocd->cd_size) return fetch_error(url, "range request for the central directory failed");
    cd = std::move(r->body);
  }
  auto entry = find_metadata_entry(cd);
  if (!entry) return fetch_error(url, "wheel has no .dist-info/METADATA", errc::invalid_metadata);
  // The local header's name and extra lengths may differ from the central copy: fetch the
  // header plus a margin, then the data if the margin was not enough.
  std::int64_t first = entry->local_offset;
  std::int64_t last = first + 30 + 1024 + entry->compressed - 1;
  auto lh = m_http.get(http_request{url, {}, {}, {}, std::pair<std::int64_t, std::int64_t>{first, last}});
  if (!lh) return unexpected<error>{std::move(lh).error()};
  if (lh->status != 206 || lh->body.size() < 30) return fetch_error(url, "range request for METADATA failed");
  auto* p = reinterpret_cast<const unsigned char*>(lh->body.data());
  if (le32(p) != 0x04034b50U) return fetch_error(url, "bad zip local header", errc::invalid_metadata);
  std::size_t start = 30 + std::size_t{le16(p + 26)} + le16(p + 28);
  if (start + entry->compressed > lh->body.size()) {
    auto more = m_http.get(http_request{url, {}, {}, {}, std::pair<std::int64_t, std::int64_t>{first + static_cast<std::int64_t>(start), first + static_cast<std::int64_t>(start) + entry->compressed - 1}});
    if (!more) return unexpected<error>{std::move(more).error()};
    if (more->status != 206) return fetch_error(url, "range request for METADATA failed");
    return inflate_entry(*entry, more->body, url);
  }
  return inflate_entry(*entry, std::string_view(lh->body).substr(start), url);
}

result<packaging::core_metadata> index_client::fetch_metadata(const dist_file& file) {
  auto text = fetch_metadata_text(file);
  if (!text) return unexpected<error>{std::move(text).error()};
  return packaging::core_metadata::parse(*text, redact_url(file.url) + (file.has_metadata ? ".metadata" : "#METADATA"));
}

}  // namespace pyresolve::index
