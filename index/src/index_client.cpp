#include "pyresolve/index/index_client.hpp"

#include "detail/backend.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "detail/sdist.hpp"
#include "detail/zip.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::index {
namespace {

unexpected<error> fetch_error(std::string_view url, std::string message, errc code = errc::io_error) {
  return unexpected<error>{error{code, std::move(message), redact_url(url), 0, 0}};
}

bool is_file_url(std::string_view url) {
  constexpr std::string_view scheme = "file:";
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = (url[i] >= 'A' && url[i] <= 'Z') ? static_cast<char>(url[i] - 'A' + 'a') : url[i];
    if (c != scheme[i]) return false;
  }
  return true;
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

/// The path of a `file://` URL, percent-escapes decoded: make-index writes `+` of local
/// versions as `%2B` (as PyPI does), and the file on disk is named with the `+`.
std::string file_path(std::string_view url) {
  url.remove_prefix(std::strlen("file:"));
  if (url.starts_with("//")) url.remove_prefix(2);
  if (url.starts_with("localhost/")) url.remove_prefix(std::strlen("localhost"));
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string path;
  path.reserve(url.size());
  for (std::size_t i = 0; i < url.size(); ++i) {
    if (url[i] == '%' && i + 2 < url.size() && hex(url[i + 1]) >= 0 && hex(url[i + 2]) >= 0) {
      path.push_back(static_cast<char>(hex(url[i + 1]) * 16 + hex(url[i + 2])));
      i += 2;
    } else {
      path.push_back(url[i]);
    }
  }
  return path;
}

/// METADATA out of a whole wheel in memory.
result<std::string> metadata_from_archive(std::string_view zip, std::string_view url) {
  detail::range_reader nothing_outside = [](std::uint64_t, std::uint64_t) -> result<std::string> {
    return fail(errc::invalid_metadata, "unreachable: the whole archive is in memory");
  };
  return detail::wheel_metadata(zip, zip.size(), nothing_outside, url);
}

}  // namespace

namespace {
struct url_parts {
  std::string scheme, user, password, host, port;
};
url_parts parts_of(std::string_view url) {
  url_parts out;
  if (!detail::backend()) return out;
  CURLU* h = detail::io().curl.curl_url();
  if (!h) return out;
  std::string u(url);
  if (detail::io().curl.curl_url_set(h, CURLUPART_URL, u.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    auto get = [&](CURLUPart part, std::string& into, unsigned flags = 0) {
      char* p = nullptr;
      if (detail::io().curl.curl_url_get(h, part, &p, flags) == CURLUE_OK && p) into = p;
      detail::io().curl.curl_free(p);
    };
    get(CURLUPART_SCHEME, out.scheme);
    get(CURLUPART_USER, out.user);
    get(CURLUPART_PASSWORD, out.password);
    get(CURLUPART_HOST, out.host);
    get(CURLUPART_PORT, out.port, CURLU_DEFAULT_PORT);  // `https://h/` and `https://h:443/` are one origin
    for (auto* part : {&out.scheme, &out.host})
      for (auto& c : *part) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  detail::io().curl.curl_url_cleanup(h);
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
  // Same origin only (scheme, host and port), as pip and uv do: another port is another
  // server, and plain http would carry the password in clear.
  if (!file.user.empty() || file.scheme != idx.scheme || file.host != idx.host || file.port != idx.port)
    return std::string(url);
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
  const auto& loaded = detail::backend();
  if (!loaded) return {};
  const detail::crypto_api* crypto = &(*loaded)->crypto;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  crypto->EVP_Digest(data.data(), data.size(), digest, &len, crypto->EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {
/// `sha256_hex`, or why libcrypto cannot be loaded.
result<std::string> checked_sha256(std::string_view data) {
  if (const auto& loaded = detail::backend(); !loaded) return unexpected<error>{loaded.error()};
  return sha256_hex(data);
}
}  // namespace

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
  if (is_file_url(base)) {
    m_local_files.store(true, std::memory_order_relaxed);
    std::string dir = file_path(base) + "/" + std::string(normalized_name) + "/";
    out.url = base + "/" + std::string(normalized_name) + "/";
    out.base_url = out.url;
    // A local page has no HTTP validators; its size and modification time stand in for an
    // ETag, so the cache can keep the parsed page and revalidate it with one stat().
    for (const char* leaf : {"index.json", "index.html"}) {
      std::error_code ec;
      const auto file = dir + leaf;
      const auto size = std::filesystem::file_size(file, ec);
      if (ec) continue;
      const auto mtime = std::filesystem::last_write_time(file, ec);
      if (ec) continue;
      out.headers.etag = "\"file-" + std::string(leaf) + "-" + std::to_string(size) + "-" +
                         std::to_string(mtime.time_since_epoch().count()) + "\"";
      out.headers.cache_control = "no-cache";
      if (validators && validators->etag == out.headers.etag) {
        out.status = page_response::status_kind::not_modified;
        return out;
      }
      break;
    }
    if (auto json = read_local(dir + "index.json")) {
      out.body = std::move(*json);
      out.content_type = "application/vnd.pypi.simple.v1+json";
    } else if (auto html = read_local(dir + "index.html")) {
      out.body = std::move(*html);
      out.content_type = "text/html";
    } else {
      // A project missing from an index is an answer; an index that is not there is not.
      std::error_code ec;
      if (!std::filesystem::is_directory(file_path(base), ec))
        return fetch_error(base,
                           "the index folder " + file_path(base) + " does not exist or is not a folder");
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
  out.headers = cache_headers{std::move(resp->etag), std::move(resp->last_modified),
                              std::move(resp->cache_control), std::move(resp->date), std::move(resp->age)};
  return out;
}

result<std::string> index_client::fetch_metadata_text(const dist_file& file) {
  if (file.has_metadata) {
    std::string url = std::string(file.url) + ".metadata";
    std::string body;
    if (is_file_url(url)) {
      if (auto refused = refuse_local(url)) return std::move(*refused);
      auto local = read_local(file_path(url));
      if (!local) return fetch_error(url, "no such file", errc::not_found);
      body = std::move(*local);
    } else {
      auto resp = m_http.get(http_request{url, {}, {}, {}, {}});
      if (!resp) return unexpected<error>{std::move(resp).error()};
      if (resp->status != 200) return fetch_error(url, "HTTP status " + std::to_string(resp->status));
      body = std::move(resp->body);
    }
    if (!file.metadata_sha256.empty()) {
      auto got = checked_sha256(body);
      if (!got) return unexpected<error>{std::move(got).error()};
      if (*got != std::string_view(file.metadata_sha256))
        return fetch_error(
            url, "sha256 mismatch: expected " + std::string(file.metadata_sha256) + ", got " + *got);
    }
    return body;
  }
  if (std::string_view(file.filename).ends_with(".whl")) return read_range_metadata(file);
  auto archive = download(file);
  if (!archive) return unexpected<error>{std::move(archive).error()};
  return detail::sdist_pkg_info(*archive, file.filename, file.url);
}

std::optional<unexpected<error>> index_client::refuse_local(std::string_view url) const {
  if (m_local_files.load(std::memory_order_relaxed)) return std::nullopt;
  return fetch_error(url, "refusing to read a local file: no file: index is in use", errc::invalid_argument);
}

result<std::string> index_client::download(const dist_file& file) {
  std::string body;
  const std::string url(file.url);
  if (is_file_url(url)) {
    if (auto refused = refuse_local(url)) return std::move(*refused);
    auto local = read_local(file_path(url));
    if (!local) return fetch_error(url, "no such file", errc::not_found);
    body = std::move(*local);
  } else {
    auto resp = m_http.get(http_request{url, {}, {}, {}, {}});
    if (!resp) return unexpected<error>{std::move(resp).error()};
    if (resp->status != 200) return fetch_error(url, "HTTP status " + std::to_string(resp->status));
    body = std::move(resp->body);
  }
  return check_file_hash(file, std::move(body));
}

result<std::string> index_client::check_file_hash(const dist_file& file, std::string body) {
  if (!file.sha256.empty()) {
    auto hashed = checked_sha256(body);
    if (!hashed) return unexpected<error>{std::move(hashed).error()};
    const std::string& got = *hashed;
    if (got != std::string_view(file.sha256))
      return fetch_error(file.url, "sha256 mismatch of " + std::string(file.filename) + ": expected " +
                                       std::string(file.sha256) + ", got " + got);
  }
  return body;
}

result<std::string> index_client::read_range_metadata(const dist_file& file) {
  const std::string url(file.url);
  auto full = [&](std::string body) -> result<std::string> {
    auto checked = check_file_hash(file, std::move(body));
    if (!checked) return unexpected<error>{std::move(checked).error()};
    return metadata_from_archive(*checked, url);
  };
  if (is_file_url(url)) {
    auto local = download(file);
    if (!local) return unexpected<error>{std::move(local).error()};
    return metadata_from_archive(*local, url);
  }
  // The central directory of a wheel is almost always within its last 64 KiB.
  constexpr std::int64_t tail_size = 65536;
  auto tail = m_http.get(http_request{url, {}, {}, {}, std::pair<std::int64_t, std::int64_t>{-tail_size, 0}});
  if (!tail) return unexpected<error>{std::move(tail).error()};
  if (tail->status == 200) {
    if (m_log)
      m_log(log_level::debug, redact_url(url) + ": server ignored the range request, read the whole wheel");
    return full(std::move(tail->body));
  }
  if (tail->status != 206) return fetch_error(url, "HTTP status " + std::to_string(tail->status));
  // Content-Range: bytes first-last/total
  std::uint64_t total = 0;
  if (auto slash = tail->content_range.rfind('/'); slash != std::string::npos)
    total = std::strtoull(tail->content_range.c_str() + slash + 1, nullptr, 10);
  if (total == 0 || total < tail->body.size())
    return fetch_error(url, "bad Content-Range '" + tail->content_range + "'");
  detail::range_reader ranges = [&](std::uint64_t offset, std::uint64_t length) -> result<std::string> {
    if (length == 0) return std::string();
    auto r = m_http.get(http_request{
        url,
        {},
        {},
        {},
        std::pair{static_cast<std::int64_t>(offset), static_cast<std::int64_t>(offset + length - 1)}});
    if (!r) return unexpected<error>{std::move(r).error()};
    if (r->status != 206 || r->body.size() != length)
      return fetch_error(url, "range request for bytes " + std::to_string(offset) + "-" +
                                  std::to_string(offset + length - 1) + " failed (HTTP " +
                                  std::to_string(r->status) + ", " + std::to_string(r->body.size()) +
                                  " bytes)");
    return std::move(r->body);
  };
  return detail::wheel_metadata(tail->body, total, ranges, url);
}

result<packaging::core_metadata> index_client::fetch_metadata(const dist_file& file) {
  auto text = fetch_metadata_text(file);
  if (!text) return unexpected<error>{std::move(text).error()};
  return packaging::core_metadata::parse(
      *text, redact_url(file.url) + (file.has_metadata ? ".metadata" : "#METADATA"));
}

}  // namespace pyresolve::index
