#include "detail/sdist.hpp"

#include "detail/backend.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/metadata.hpp"

namespace pyresolve::index::detail {
namespace {

// PKG-INFO is a few kilobytes; the cap keeps a hostile archive from inflating gigabytes.
constexpr std::size_t pkg_info_max = 16U << 20;

struct archive_deleter {
  void operator()(archive* a) const noexcept { detail::io().archive.archive_read_free(a); }
};
using archive_ptr = std::unique_ptr<archive, archive_deleter>;

unexpected<error> sdist_error(std::string_view url, std::string message) {
  return unexpected<error>{error{errc::invalid_metadata, std::move(message), redact_url(url), 0, 0}};
}

/// `foo-1.0` of `foo-1.0.tar.gz`: the folder PKG-INFO is expected in.
std::string_view archive_stem(std::string_view filename) {
  for (std::string_view ext : {".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"})
    if (filename.ends_with(ext)) return filename.substr(0, filename.size() - ext.size());
  return filename;
}

/// The top folder of `path` when it is `<folder>/PKG-INFO`, else nullopt.
std::optional<std::string_view> top_level_pkg_info(std::string_view path) {
  if (path.starts_with("./")) path.remove_prefix(2);
  if (!path.ends_with("/PKG-INFO")) return std::nullopt;
  auto folder = path.substr(0, path.size() - std::string_view("/PKG-INFO").size());
  if (folder.empty() || folder.find('/') != std::string_view::npos) return std::nullopt;
  return folder;
}

}  // namespace

result<std::string> sdist_pkg_info(std::string_view bytes, std::string_view filename, std::string_view url) {
  const std::string file(filename);
  if (const auto& loaded = detail::backend(); !loaded) return unexpected<error>{loaded.error()};
  archive_ptr a(detail::io().archive.archive_read_new());
  if (!a) return sdist_error(url, "cannot read " + file + ": libarchive could not allocate a reader");
  detail::io().archive.archive_read_support_filter_gzip(a.get());
  detail::io().archive.archive_read_support_filter_bzip2(a.get());
  detail::io().archive.archive_read_support_filter_xz(a.get());
  detail::io().archive.archive_read_support_format_tar(a.get());
  detail::io().archive.archive_read_support_format_zip(a.get());
  auto broken = [&](const char* what) {
    const char* why = detail::io().archive.archive_error_string(a.get());
    return sdist_error(
        url, "corrupt source distribution " + file + ": " + what + (why ? std::string(": ") + why : ""));
  };
  if (detail::io().archive.archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return broken("not a tar or zip archive");

  const std::string_view stem = archive_stem(filename);
  std::optional<std::string> found;
  bool exact = false;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = detail::io().archive.archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) return broken("bad entry header");
    const char* path = detail::io().archive.archive_entry_pathname(entry);
    auto folder = path ? top_level_pkg_info(path) : std::nullopt;
    // Any top-level PKG-INFO will do, but `<name>-<version>/PKG-INFO` wins (old sdists may
    // spell the folder differently, never hold two matching ones).
    if (!folder || (found && *folder != stem)) continue;
    std::string text;
    char buf[16384];
    for (;;) {
      la_ssize_t n = detail::io().archive.archive_read_data(a.get(), buf, sizeof buf);
      if (n < 0) return broken("cannot read PKG-INFO");
      if (n == 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      if (text.size() > pkg_info_max) return sdist_error(url, file + ": PKG-INFO is larger than 16 MiB");
    }
    found = std::move(text);
    exact = *folder == stem;
    if (exact) break;
  }
  if (!found)
    return sdist_error(url, "source distribution " + file + " has no " + std::string(stem) +
                                "/PKG-INFO: a build would be needed, which is not supported");

  const std::string source = redact_url(url) + "#PKG-INFO";
  auto md = packaging::core_metadata::parse(*found, source);
  if (!md) return unexpected<error>{std::move(md).error()};
  if (md->requires_dist_is_dynamic()) {
    std::string reason;
    if (md->metadata_version.empty())
      reason = "its PKG-INFO has no Metadata-Version";
    else if (auto dyn = std::find_if(md->dynamic.begin(), md->dynamic.end(),
                                     [](std::string_view d) {
                                       return d.size() == 13 &&
                                              std::equal(
                                                  d.begin(), d.end(), "requires-dist", [](char x, char y) {
                                                    return std::tolower(static_cast<unsigned char>(x)) == y;
                                                  });
                                     });
             dyn != md->dynamic.end())
      reason = "its PKG-INFO lists Requires-Dist as Dynamic";
    else
      reason = "its PKG-INFO is Metadata-Version " + md->metadata_version +
               " (Requires-Dist is final only from 2.2 on)";
    return sdist_error(url, "source distribution " + file + ": " + reason +
                                ", so its dependencies are known only after a build, which is not supported");
  }
  return std::move(*found);
}

}  // namespace pyresolve::index::detail
