#include "pyresolve/index/direct_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "detail/git.hpp"
#include "detail/sdist.hpp"
#include "detail/zip.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/pyproject.hpp"
#include "pyresolve/packaging/requirements_file.hpp"

namespace pyresolve::index {
namespace {

namespace fs = std::filesystem;

unexpected<error> source_error(std::string_view source, std::string message,
                               errc code = errc::invalid_metadata) {
  return unexpected<error>{error{code, std::move(message), redact_url(source), 0, 0}};
}

constexpr std::string_view build_needed =
    "its metadata needs a PEP 517 build, and builds are not allowed (--no-build)";

/// The metadata of a project that only a build gives, or the error saying builds are off.
result<packaging::core_metadata> build_or_refuse(const fs::path& project,
                                                 const packaging::direct_reference& ref,
                                                 const std::string& identity,
                                                 const direct_source_options& options) {
  if (!options.build) return source_error(ref.given, std::string(build_needed));
  return build_metadata(project, ref.editable, identity, redact_url(ref.given), *options.build);
}

/// An open regular file, read by ranges (a wheel's METADATA without reading all of it).
class local_file {
 public:
  ~local_file() {
    if (m_fd >= 0) ::close(m_fd);
  }
  static result<local_file> open(const fs::path& path) {
    local_file f;
    f.m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f.m_fd < 0) return source_error(path.string(), std::strerror(errno), errc::not_found);
    struct stat st {};
    if (::fstat(f.m_fd, &st) != 0 || !S_ISREG(st.st_mode))
      return source_error(path.string(), "not a regular file", errc::invalid_argument);
    f.m_size = static_cast<std::uint64_t>(st.st_size);
    return f;
  }
  local_file(local_file&& other) noexcept : m_fd(other.m_fd), m_size(other.m_size) { other.m_fd = -1; }
  local_file(const local_file&) = delete;
  local_file& operator=(const local_file&) = delete;
  local_file& operator=(local_file&&) = delete;

  [[nodiscard]] std::uint64_t size() const noexcept { return m_size; }
  result<std::string> read(std::uint64_t offset, std::uint64_t length) const {
    if (offset > m_size || length > m_size - offset)
      return fail(errc::invalid_metadata, "a read past the file's end");
    std::string out(static_cast<std::size_t>(length), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n =
          ::pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return fail(errc::io_error, std::string("read: ") + (n < 0 ? std::strerror(errno) : "file shrank"));
      done += static_cast<std::size_t>(n);
    }
    return out;
  }

 private:
  local_file() = default;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

/// The sha256 the reference asks for, if any; other algorithms are refused rather than
/// skipped (an unchecked hash would look checked).
result<std::string> wanted_sha256(const packaging::direct_reference& ref) {
  std::string wanted;
  for (const auto& h : ref.hashes) {
    if (h.algorithm != "sha256")
      return source_error(
          ref.given, "#" + h.algorithm + "= hashes are not supported; give #sha256=", errc::invalid_argument);
    if (!wanted.empty() && wanted != h.digest) return source_error(ref.given, "two different sha256 hashes");
    wanted = h.digest;
  }
  return wanted;
}

result<void> check_sha256(const packaging::direct_reference& ref, std::string_view wanted,
                          std::string_view got) {
  if (wanted.empty() || wanted == got) return {};
  return source_error(ref.given,
                      "sha256 mismatch of " + ref.filename + ": expected " + std::string(wanted) + ", got " +
                          std::string(got),
                      errc::io_error);
}

result<packaging::core_metadata> metadata_of_archive_bytes(std::string_view bytes,
                                                           const packaging::direct_reference& ref,
                                                           const direct_source_options& options) {
  if (ref.filename.ends_with(".whl")) {
    detail::range_reader nothing_outside = [](std::uint64_t, std::uint64_t) -> result<std::string> {
      return fail(errc::invalid_metadata, "unreachable: the whole archive is in memory");
    };
    auto text = detail::wheel_metadata(bytes, bytes.size(), nothing_outside, ref.given);
    if (!text) return unexpected(std::move(text).error());
    return packaging::core_metadata::parse(*text, ref.given);
  }
  auto pkg_info = detail::sdist_pkg_info(bytes, ref.filename, ref.given);
  if (pkg_info) return packaging::core_metadata::parse(*pkg_info, ref.given);
  if (pkg_info.error().code != errc::invalid_metadata) return unexpected(std::move(pkg_info).error());
  // Not final (or no PKG-INFO at all): only its backend knows.
  if (!options.build) {
    return source_error(ref.given, pkg_info.error().message + "; " + std::string(build_needed));
  }
  return build_sdist_metadata(bytes, ref.filename, redact_url(ref.given), *options.build);
}

result<direct_distribution> parsed(const packaging::direct_reference& ref,
                                   result<packaging::core_metadata> metadata, direct_distribution out) {
  if (!metadata) return unexpected(std::move(metadata).error());
  out.reference = ref;
  out.metadata = std::move(*metadata);
  return out;
}

result<direct_distribution> parsed(const packaging::direct_reference& ref, result<std::string> text,
                                   direct_distribution out) {
  if (!text) return unexpected(std::move(text).error());
  return parsed(ref, packaging::core_metadata::parse(*text, ref.given), std::move(out));
}

result<direct_distribution> read_local_archive(const packaging::direct_reference& ref,
                                               const direct_source_options& options) {
  auto wanted = wanted_sha256(ref);
  if (!wanted) return unexpected(std::move(wanted).error());
  auto file = local_file::open(ref.path);
  if (!file) return unexpected(std::move(file).error());
  direct_distribution out;
  out.size = file->size();
  if (ref.filename.ends_with(".whl") && wanted->empty() && !options.hash) {
    // METADATA sits near the end: read the central directory and one member.
    constexpr std::uint64_t tail_size = 65536;
    const std::uint64_t tail_at = file->size() > tail_size ? file->size() - tail_size : 0;
    auto tail = file->read(tail_at, file->size() - tail_at);
    if (!tail) return unexpected(std::move(tail).error());
    detail::range_reader read = [&](std::uint64_t offset, std::uint64_t length) {
      return file->read(offset, length);
    };
    return parsed(ref, detail::wheel_metadata(*tail, file->size(), read, ref.given), std::move(out));
  }
  if (file->size() > options.max_archive_bytes)
    return source_error(ref.given,
                        "larger than " + std::to_string(options.max_archive_bytes >> 20U) + " MiB");
  auto whole = file->read(0, file->size());
  if (!whole) return unexpected(std::move(whole).error());
  out.sha256 = sha256_hex(*whole);
  if (auto ok = check_sha256(ref, *wanted, out.sha256); !ok) return unexpected(std::move(ok).error());
  return parsed(ref, metadata_of_archive_bytes(*whole, ref, options), std::move(out));
}

result<direct_distribution> read_remote_archive(const packaging::direct_reference& ref, index_client& client,
                                                const direct_source_options& options) {
  auto wanted = wanted_sha256(ref);
  if (!wanted) return unexpected(std::move(wanted).error());
  direct_distribution out;
  if (wanted->empty() && ref.filename.ends_with(".whl") && !options.hash) {
    dist_file file;
    file.filename = ref.filename;
    file.url = ref.url;
    return parsed(ref, client.fetch_metadata_text(file), std::move(out));
  }
  auto response = client.http().get(http_request{ref.url, {}, {}, {}, {}});
  if (!response) return unexpected(std::move(response).error());
  if (response->status != 200)
    return source_error(ref.url, "HTTP status " + std::to_string(response->status),
                        response->status == 404 ? errc::not_found : errc::io_error);
  out.sha256 = sha256_hex(response->body);
  out.size = response->body.size();
  if (auto ok = check_sha256(ref, *wanted, out.sha256); !ok) return unexpected(std::move(ok).error());
  return parsed(ref, metadata_of_archive_bytes(response->body, ref, options), std::move(out));
}

/// `pyproject.toml`'s requirements, with `extra == "group"` joined onto each optional one.
result<packaging::requirement> with_extra(const packaging::requirement& req, std::string_view group) {
  packaging::requirement copy = req;
  copy.marker.reset();
  std::string text = copy.to_string();
  text += " ; ";
  if (req.marker) text += "(" + req.marker->to_string() + ") and ";
  text += "extra == \"" + std::string(group) + "\"";
  return packaging::requirement::parse(text);
}

result<direct_distribution> read_directory(const packaging::direct_reference& ref,
                                           const direct_source_options& options) {
  fs::path dir = ref.path;
  if (!ref.subdirectory.empty()) dir /= ref.subdirectory;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return source_error(ref.given,
                        fs::exists(dir, ec) ? "not a directory" : "no such directory: " + dir.string(),
                        errc::not_found);
  }
  const fs::path pyproject = dir / "pyproject.toml";
  direct_distribution out;
  out.reference = ref;
  if (fs::exists(pyproject, ec)) {
    auto text = packaging::read_file_contents(pyproject);
    if (!text) return unexpected(std::move(text).error());
    auto metadata = static_project_metadata(*text, pyproject.string());
    if (!metadata) return unexpected(std::move(metadata).error());
    if (*metadata) {
      out.metadata = std::move(**metadata);
      return out;
    }
  }
  auto built = build_or_refuse(dir, ref, directory_identity(dir), options);
  if (!built) return unexpected(std::move(built).error());
  out.metadata = std::move(*built);
  return out;
}

result<direct_distribution> read_git(const packaging::direct_reference& ref,
                                     const direct_source_options& options) {
  if (options.cache_dir.empty())
    return source_error(ref.given, "git sources need the cache (--no-cache is set)", errc::invalid_argument);
  detail::git_repository repo(options.cache_dir, ref.repository, options.git_timeout);
  auto commit = repo.resolve(ref.ref, options.offline);
  if (!commit) return unexpected(std::move(commit).error());
  const std::string prefix = ref.subdirectory.empty() ? std::string() : ref.subdirectory + "/";
  auto text = repo.read_file(*commit, prefix + "pyproject.toml");
  if (!text) return unexpected(std::move(text).error());
  direct_distribution out;
  out.reference = ref;
  out.commit = *commit;
  if (*text) {
    auto metadata =
        static_project_metadata(**text, redact_url(ref.given) + " (" + prefix + "pyproject.toml)");
    if (!metadata) return unexpected(std::move(metadata).error());
    if (*metadata) {
      out.metadata = std::move(**metadata);
      return out;
    }
  }
  if (!options.build) return source_error(ref.given, std::string(build_needed));
  auto checkout = repo.checkout(*commit);
  if (!checkout) return unexpected(std::move(checkout).error());
  auto built = build_or_refuse(*checkout / ref.subdirectory, ref,
                               "git:" + ref.repository + "@" + *commit + "#" + ref.subdirectory, options);
  if (!built) return unexpected(std::move(built).error());
  out.metadata = std::move(*built);
  return out;
}

}  // namespace

result<std::optional<packaging::core_metadata>> static_project_metadata(std::string_view pyproject_text,
                                                                        const std::string& path) {
  auto project = packaging::parse_pyproject(pyproject_text, path);
  if (!project) return unexpected(std::move(project).error());
  const auto by_backend = std::optional<packaging::core_metadata>();
  if (!project->has_project || !project->name || !project->version) return by_backend;
  for (const char* field : {"name", "version", "dependencies", "optional-dependencies"}) {
    if (project->dynamic_field(field)) return by_backend;
  }
  if (!packaging::is_valid_name(*project->name))
    return source_error(path,
                        "[project] name '" + packaging::excerpt(*project->name) + "' is not a valid name");
  packaging::core_metadata out;
  out.metadata_version = "2.2";
  out.name = *project->name;
  out.version = *project->version;
  out.requires_python = project->requires_python;
  for (auto& dep : project->dependencies) out.requires_dist.push_back(std::move(dep.requirement));
  for (const auto& group : project->optional_dependencies) {
    out.provides_extra.emplace_back(group.name);
    for (const auto& dep : group.requirements) {
      auto joined = with_extra(dep.requirement, packaging::normalize_name(group.name));
      if (!joined) return source_error(path, "[project.optional-dependencies] " + joined.error().message);
      out.requires_dist.push_back(std::move(*joined));
    }
  }
  return std::optional<packaging::core_metadata>(std::move(out));
}

result<direct_distribution> read_direct_source(const packaging::direct_reference& reference,
                                               index_client& client, const direct_source_options& options) {
  switch (reference.kind) {
    case packaging::direct_kind::archive:
      return reference.url.empty() ? read_local_archive(reference, options)
                                   : read_remote_archive(reference, client, options);
    case packaging::direct_kind::directory:
      return read_directory(reference, options);
    case packaging::direct_kind::git:
      return read_git(reference, options);
  }
  return source_error(reference.given, "unknown source kind", errc::invalid_argument);
}

}  // namespace pyresolve::index
