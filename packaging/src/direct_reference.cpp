#include "pyresolve/packaging/direct_reference.hpp"

#include <algorithm>
#include <array>

#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

constexpr std::array<std::string_view, 7> archive_extensions{".whl",     ".tar.gz", ".tgz",    ".zip",
                                                             ".tar.bz2", ".tar.xz", ".tar.zst"};

unexpected<error> invalid(std::string_view text, const std::string& why) {
  return unexpected(error{errc::invalid_requirement, "'" + excerpt(text) + "': " + why, "", 0, 0});
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Percent-escapes decoded; an escape of NUL, or a malformed one, is an error.
result<std::string> percent_decoded(std::string_view text, std::string_view whole) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return invalid(whole, "a malformed percent-escape");
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return invalid(whole, "a malformed percent-escape");
    const auto c = static_cast<char>(high * 16 + low);
    if (c == '\0') return invalid(whole, "a NUL byte in a path");
    out.push_back(c);
    i += 2;
  }
  return out;
}

bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return hex_value(c) >= 0; });
}

/// Reads `#a=b&c=d` into the reference: hashes and `subdirectory` (`egg=` is pip's old way
/// of naming the project, ignored).
result<void> read_fragment(std::string_view fragment, std::string_view whole, direct_reference& out) {
  while (!fragment.empty()) {
    const std::size_t amp = fragment.find('&');
    const std::string_view item = fragment.substr(0, amp);
    fragment = amp == std::string_view::npos ? std::string_view{} : fragment.substr(amp + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "subdirectory") {
      auto decoded = percent_decoded(value, whole);
      if (!decoded) return unexpected(std::move(decoded).error());
      const std::filesystem::path sub(*decoded);
      if (sub.empty() || sub.is_absolute() ||
          std::any_of(sub.begin(), sub.end(), [](const auto& part) { return part == ".."; })) {
        return invalid(whole, "#subdirectory= must be a relative path inside the source, without '..'");
      }
      out.subdirectory = sub.lexically_normal().generic_string();
    } else if (key == "sha256" || key == "sha384" || key == "sha512" || key == "md5") {
      if (!is_hex(value)) return invalid(whole, "#" + std::string(key) + "= is not a hexadecimal digest");
      std::string digest(value);
      std::transform(digest.begin(), digest.end(), digest.begin(),
                     [](char c) { return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c); });
      out.hashes.push_back(direct_hash{std::string(key), std::move(digest)});
    }
  }
  return {};
}

/// The local path of a `file:` URL: `file:///abs`, `file://localhost/abs`, `file:rel`.
result<std::filesystem::path> file_url_path(std::string_view url, std::string_view whole) {
  std::string_view rest = url.substr(5);
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    if (rest.starts_with("localhost/")) rest.remove_prefix(9);
    if (!rest.starts_with('/')) return invalid(whole, "a file: URL must name a local path (file:///...)");
  }
  auto decoded = percent_decoded(rest, whole);
  if (!decoded) return unexpected(std::move(decoded).error());
  return std::filesystem::path(*decoded);
}

std::string last_segment(std::string_view path) {
  while (path.ends_with('/')) path.remove_suffix(1);
  const std::size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

bool is_archive_filename(std::string_view filename) noexcept {
  return std::any_of(archive_extensions.begin(), archive_extensions.end(), [&](std::string_view ext) {
    return filename.size() > ext.size() && filename.ends_with(ext);
  });
}

std::string direct_reference::written(std::string_view commit) const {
  if (kind != direct_kind::git || commit.empty()) return given;
  std::string out = "git+" + repository + "@" + std::string(commit);
  if (!subdirectory.empty()) out += "#subdirectory=" + subdirectory;
  return out;
}

result<direct_reference> parse_direct_reference(std::string_view text,
                                                const std::filesystem::path& base_directory, bool editable) {
  direct_reference out;
  out.given = std::string(text);
  out.editable = editable;
  if (text.empty()) return invalid(text, "an empty path or URL");
  if (text.front() == '-') return invalid(text, "a path or URL may not start with '-'");
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    return invalid(text, "a control character in a path or URL");

  std::string_view body = text;
  if (const std::size_t hash = body.find('#'); hash != std::string_view::npos) {
    if (auto ok = read_fragment(body.substr(hash + 1), text, out); !ok)
      return unexpected(std::move(ok).error());
    body = body.substr(0, hash);
  }
  const std::size_t colon = body.find("://");
  const std::string_view scheme =
      colon == std::string_view::npos ? std::string_view{} : body.substr(0, colon);

  if (scheme.starts_with("git+")) {
    const std::string_view transport = scheme.substr(4);
    if (transport != "https" && transport != "http" && transport != "ssh" && transport != "file")
      return invalid(text,
                     "git over " + std::string(transport) + " is not supported (https, http, ssh, file)");
    std::string_view repo = body.substr(4);
    // The ref follows the last '@' of the path; an '@' in the authority is a user name.
    const std::size_t path_start = repo.find('/', colon - 4 + 3);
    const std::size_t at = repo.rfind('@');
    if (at != std::string_view::npos && path_start != std::string_view::npos && at > path_start) {
      out.ref = std::string(repo.substr(at + 1));
      repo = repo.substr(0, at);
      if (out.ref.empty()) return invalid(text, "an empty git ref after '@'");
      if (out.ref.front() == '-' || out.ref.find("..") != std::string::npos)
        return invalid(text, "'" + excerpt(out.ref) + "' is not a git ref");
    }
    if (path_start == std::string_view::npos || repo.size() <= colon - 4 + 3)
      return invalid(text, "a git URL needs a host and a path");
    out.kind = direct_kind::git;
    out.repository = std::string(repo);
    if (editable) return invalid(text, "an editable must be a local directory; clone the repository first");
    return out;
  }
  if (!scheme.empty() && scheme != "http" && scheme != "https" && scheme != "file") {
    const std::size_t plus = scheme.find('+');
    if (plus != std::string_view::npos)
      return invalid(text,
                     std::string(scheme.substr(0, plus)) + " repositories are not supported (git only)");
    return invalid(text,
                   "the scheme '" + excerpt(scheme) + "' is not supported (http, https, file, git+...)");
  }
  if (scheme == "http" || scheme == "https") {
    if (const std::size_t query = body.find('?'); query != std::string_view::npos)
      body = body.substr(0, query);
    out.url = std::string(text.substr(0, std::min(text.find('#'), text.size())));
    auto name = percent_decoded(last_segment(body.substr(colon + 3)), text);
    if (!name) return unexpected(std::move(name).error());
    out.filename = std::move(*name);
    if (!is_archive_filename(out.filename))
      return invalid(text, "a URL must name a wheel or an sdist (.whl, .tar.gz, .zip, ...)");
    if (editable) return invalid(text, "an editable must be a local directory");
    out.kind = direct_kind::archive;
    return out;
  }
  std::filesystem::path path;
  if (body.starts_with("file:")) {
    auto local = file_url_path(body, text);
    if (!local) return unexpected(std::move(local).error());
    path = std::move(*local);
  } else {
    path = std::filesystem::path(std::string(body));
  }
  if (path.empty()) return invalid(text, "an empty path");
  if (path.is_relative()) path = base_directory / path;
  out.path = path.lexically_normal();
  const std::string name = last_segment(out.path.generic_string());
  if (is_archive_filename(name)) {
    if (editable) return invalid(text, "an editable must be a project directory, not an archive");
    out.kind = direct_kind::archive;
    out.filename = name;
  } else {
    out.kind = direct_kind::directory;
  }
  return out;
}

result<unnamed_requirement> parse_unnamed_requirement(std::string_view text,
                                                      const std::filesystem::path& base_directory,
                                                      bool editable) {
  unnamed_requirement out;
  std::string_view target = text;
  // A marker follows ` ;` or `; ` (a URL may hold a bare ';').
  for (std::size_t i = 0; i + 1 < target.size(); ++i) {
    if (target[i] == ';' && (target[i + 1] == ' ' || (i > 0 && target[i - 1] == ' '))) {
      std::string_view marker = target.substr(i + 1);
      while (!marker.empty() && marker.front() == ' ') marker.remove_prefix(1);
      out.marker = std::string(marker);
      target = target.substr(0, i);
      break;
    }
  }
  while (!target.empty() && (target.back() == ' ' || target.back() == '\t')) target.remove_suffix(1);
  if (target.ends_with(']')) {
    const std::size_t open = target.rfind('[');
    if (open == std::string_view::npos) return invalid(text, "an unmatched ']'");
    std::string_view list = target.substr(open + 1, target.size() - open - 2);
    target = target.substr(0, open);
    for (bool more = !list.empty(); more;) {
      const std::size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      more = comma != std::string_view::npos;
      list = more ? list.substr(comma + 1) : std::string_view{};
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item.empty()) return invalid(text, "an empty extra name");
      out.extras.emplace_back(item);
    }
  }
  auto reference = parse_direct_reference(target, base_directory, editable);
  if (!reference) return unexpected(std::move(reference).error());
  out.reference = std::move(*reference);
  return out;
}

}  // namespace pyresolve::packaging
