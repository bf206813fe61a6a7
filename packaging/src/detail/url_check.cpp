#include "detail/url_check.hpp"

#include <algorithm>
#include <array>

namespace pyresolve::packaging::detail {
namespace {

constexpr bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_scheme_char(char c) noexcept {
  return is_ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool uses_netloc(std::string_view scheme) noexcept {
  static constexpr std::array<std::string_view, 25> schemes{
      "",        "ftp",   "http",  "gopher", "nntp",     "telnet", "imap",  "wais",  "file",
      "mms",     "https", "shttp", "snews",  "prospero", "rtsp",   "rtspu", "rsync", "svn",
      "svn+ssh", "sftp",  "nfs",   "git",    "git+ssh",  "ws",     "wss"};
  for (std::string_view s : schemes) {
    if (s == scheme) return true;
  }
  return false;
}

struct split_url {
  std::string scheme, netloc, path, query, fragment;
};

// `urllib.parse.urlsplit` of Python 3.11 (without the IDNA/NFKC and bracketed-host checks).
std::optional<split_url> urlsplit(std::string_view text, std::string& error) {
  std::size_t start = 0;
  while (start < text.size() && static_cast<unsigned char>(text[start]) <= 0x20) ++start;
  std::string url;
  for (char c : text.substr(start)) {
    if (c != '\t' && c != '\r' && c != '\n') url += c;
  }
  split_url out;
  const std::size_t colon = url.find(':');
  if (colon != std::string::npos && colon > 0 && is_ascii_alpha(url[0])) {
    bool all_scheme = true;
    for (std::size_t i = 0; i < colon; ++i) all_scheme = all_scheme && is_scheme_char(url[i]);
    if (all_scheme) {
      for (std::size_t i = 0; i < colon; ++i) {
        const char c = url[i];
        out.scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
      url.erase(0, colon + 1);
    }
  }
  if (url.starts_with("//")) {
    const std::size_t delim = std::min(url.find_first_of("/?#", 2), url.size());
    out.netloc = url.substr(2, delim - 2);
    url.erase(0, delim);
    const bool open = out.netloc.find('[') != std::string::npos;
    const bool close = out.netloc.find(']') != std::string::npos;
    if (open != close) {
      error = "Invalid IPv6 URL";
      return std::nullopt;
    }
  }
  if (const std::size_t hash = url.find('#'); hash != std::string::npos) {
    out.fragment = url.substr(hash + 1);
    url.erase(hash);
  }
  if (const std::size_t question = url.find('?'); question != std::string::npos) {
    out.query = url.substr(question + 1);
    url.erase(question);
  }
  out.path = std::move(url);
  return out;
}

// `urllib.parse.urlunsplit`.
std::string urlunsplit(const split_url& u) {
  std::string url = u.path;
  if (!u.netloc.empty() || (!u.scheme.empty() && uses_netloc(u.scheme) && !url.starts_with("//"))) {
    if (!url.empty() && url.front() != '/') url.insert(url.begin(), '/');
    url = "//" + u.netloc + url;
  }
  if (!u.scheme.empty()) url = u.scheme + ':' + url;
  if (!u.query.empty()) url += '?' + u.query;
  if (!u.fragment.empty()) url += '#' + u.fragment;
  return url;
}

}  // namespace

std::optional<std::string> check_requirement_url(std::string_view url) {
  std::string error;
  const auto parts = urlsplit(url, error);
  if (!parts) return error;
  if (parts->scheme == "file") {
    // `file` is not among the schemes with `;params`, so urlparse's round trip is urlsplit's.
    if (urlunsplit(*parts) != url) return std::string("Invalid URL given");
    return std::nullopt;
  }
  // `git+file:///srv/repo` has no host, which `packaging` refuses; pip and uv accept it, and
  // so does pyresolve (a deliberate difference from `packaging`).
  if (parts->scheme == "git+file" && parts->netloc.empty() && parts->path.starts_with('/'))
    return std::nullopt;
  if (parts->scheme.empty() || parts->netloc.empty()) return "Invalid URL: " + std::string(url);
  return std::nullopt;
}

}  // namespace pyresolve::packaging::detail
