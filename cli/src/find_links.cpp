#include "pyresolve/cli/find_links.hpp"

#include <algorithm>
#include <filesystem>

#include "pyresolve/packaging/direct_reference.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/packaging/tags.hpp"

namespace pyresolve::cli {
namespace {

namespace fs = std::filesystem;

unexpected<error> location_error(const std::string& location, const std::string& why) {
  return unexpected(
      error{errc::io_error, "--find-links " + packaging::excerpt(location) + ": " + why, "", 0, 0});
}

/// `file://` plus the path, with the characters a URL cannot hold escaped.
std::string file_url(const fs::path& path) {
  std::string out = "file://";
  for (unsigned char c : path.string()) {
    if (c == '%' || c == '#' || c == '?' || c <= 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4U];
      out += hex[c & 15U];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

result<void> read_folder(const std::string& location, const fs::path& folder, index::project_page& out) {
  std::error_code ec;
  std::vector<fs::path> names;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !packaging::is_archive_filename(name) ||
        packaging::unsafe_filename(name))
      continue;
    names.push_back(entry.path());
    if (names.size() > max_find_links_files)
      return location_error(location, "more than " + std::to_string(max_find_links_files) + " files");
  }
  if (ec) return location_error(location, ec.message());
  std::sort(names.begin(), names.end());  // a listing in a stable order
  for (const auto& path : names) {
    index::dist_file file;
    file.filename = path.filename().string();
    file.url = file_url(fs::absolute(path));
    out.files.push_back(std::move(file));
  }
  return {};
}

result<void> read_page(const std::string& location, std::string_view body, const std::string& url,
                       index::project_page& out) {
  auto page = index::parse_html_page(body, url);
  if (!page) return location_error(location, page.error().message);
  for (auto& file : page->files) out.files.push_back(std::move(file));
  return {};
}

}  // namespace

result<index::project_page> read_find_links(const std::vector<std::string>& locations,
                                            index::http_client& http) {
  index::project_page out;
  out.name = "--find-links";
  for (const auto& location : locations) {
    if (location.starts_with("http://") || location.starts_with("https://")) {
      auto response = http.get(index::http_request{location, {"Accept: text/html"}, {}, {}, {}});
      if (!response) return location_error(index::redact_url(location), response.error().message);
      if (response->status != 200)
        return location_error(index::redact_url(location), "HTTP status " + std::to_string(response->status));
      if (auto ok = read_page(index::redact_url(location), response->body, response->effective_url, out); !ok)
        return unexpected(std::move(ok).error());
      continue;
    }
    fs::path path(location);
    if (location.starts_with("file:")) {
      auto parsed = packaging::parse_direct_reference(location, fs::current_path());
      if (!parsed) return location_error(location, parsed.error().message);
      path = parsed->path;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      if (auto ok = read_folder(location, path, out); !ok) return unexpected(std::move(ok).error());
    } else if (fs::is_regular_file(path, ec)) {
      auto text = packaging::read_file_contents(path);
      if (!text) return location_error(location, text.error().message);
      if (auto ok = read_page(location, *text, file_url(fs::absolute(path)), out); !ok)
        return unexpected(std::move(ok).error());
    } else {
      return location_error(location, "no such folder or file");
    }
  }
  return out;
}

}  // namespace pyresolve::cli
