#include "pyresolve/cli/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/packaging/toml.hpp"

namespace pyresolve::cli {
namespace {

error io_failure(const std::filesystem::path& path, const std::string& what, int code) {
  return error{errc::io_error, what + ": " + std::strerror(code), path.string()};
}

result<std::vector<resolver::preference>> pylock_pins(const std::string& text, const std::string& source) {
  std::vector<resolver::preference> out;
  auto doc = packaging::parse_toml(text);
  if (!doc) {
    error e = std::move(doc).error();
    e.source = source;
    return unexpected(std::move(e));
  }
  const packaging::toml_value* packages = doc->find("packages");
  if (packages == nullptr) return out;
  const auto text_of = [](const packaging::toml_value& table, std::string_view key) -> const std::string* {
    const packaging::toml_value* v = table.find(key);
    return v != nullptr && v->is_string() ? &v->text() : nullptr;
  };
  for (const auto& item : packages->items()) {
    if (!item.is_table()) continue;
    const std::string* name = text_of(item, "name");
    const std::string* version = text_of(item, "version");
    if (name == nullptr || version == nullptr) continue;
    auto v = packaging::version::parse(*version);
    if (!v) continue;
    resolver::preference pref{*name, *v, std::nullopt};
    if (const std::string* marker = text_of(item, "marker")) {
      if (auto m = packaging::marker::parse(*marker)) pref.marker = std::move(*m);
    }
    out.push_back(std::move(pref));
  }
  return out;
}

// umask() can only be read by setting it, which would race with worker threads creating
// cache files; Linux reports it in /proc (since 4.7). 022 when unreadable.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

}  // namespace

result<std::vector<resolver::preference>> read_pins(const std::filesystem::path& path, output_format format) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::vector<resolver::preference>{};
  auto text = packaging::read_file_contents(path);
  if (!text) return unexpected(std::move(text).error());
  if (format == output_format::pylock_toml) return pylock_pins(*text, path.string());
  if (format == output_format::json) return std::vector<resolver::preference>{};
  // The file's own `-r` lines are not followed: a pin file names its pins itself.
  packaging::requirements_file_options parse_options;
  parse_options.read_file = [](const std::filesystem::path&) -> result<std::string> { return std::string(); };
  auto file = packaging::parse_requirements_text(*text, path.string(), path.parent_path(), parse_options);
  if (!file) return unexpected(std::move(file).error());
  std::vector<resolver::preference> out;
  for (const auto& entry : file->entries) {
    if (!entry.requirement || entry.constraint) continue;
    const auto& specs = entry.requirement->specifiers.specifiers();
    if (specs.size() != 1 || specs.front().op() != packaging::spec_op::equal || specs.front().has_wildcard())
      continue;
    out.push_back(resolver::preference{std::string(entry.requirement->name), specs.front().operand(),
                                       entry.requirement->marker});
  }
  return out;
}

namespace {

result<void> write_all(int fd, std::string_view content) {
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(error{errc::io_error, std::strerror(errno), {}});
    }
    written += static_cast<std::size_t>(n);
  }
  return {};
}

// `-o /dev/stdout` or a FIFO: there is nothing to rename over, and renaming over a device
// node would replace it, so such a path is written in place.
result<void> write_in_place(const std::filesystem::path& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return unexpected(io_failure(path, "cannot write the output file", errno));
  auto done = write_all(fd, content);
  const int code = errno;
  ::close(fd);
  if (!done) return unexpected(io_failure(path, "cannot write the output file", code));
  return {};
}

}  // namespace

result<void> write_atomically(const std::filesystem::path& given, std::string_view content) {
  std::error_code ec;
  const auto status = std::filesystem::status(given, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
      !std::filesystem::is_directory(status)) {
    return write_in_place(given, content);
  }
  // Through a symlink, the file it points to is replaced and the link kept.
  auto path = given;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(given, ec))) {
    path = std::filesystem::canonical(given, ec);
    if (ec) return unexpected(io_failure(given, "cannot resolve the output file's link", ec.value()));
  }
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return unexpected(io_failure(path, "cannot write the output file", errno));
  auto abandon = [&](const char* what) {
    const int code = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return unexpected(io_failure(path, what, code));
  };
  if (!write_all(fd, content)) return abandon("cannot write the output file");
  // mkstemp makes the file 0600: keep the mode of the file being replaced, else give what
  // any new file of the user gets.
  struct stat existing {};
  mode_t mode = 0;
  if (::stat(path.c_str(), &existing) == 0) {
    mode = existing.st_mode & 07777;
  } else {
    mode = 0666 & ~current_umask();
  }
  if (::fchmod(fd, mode) != 0) return abandon("cannot set the output file's mode");
  if (::fsync(fd) != 0) return abandon("cannot flush the output file");
  if (::close(fd) != 0) {
    const int code = errno;
    ::unlink(temp.c_str());
    return unexpected(io_failure(path, "cannot write the output file", code));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int code = errno;
    ::unlink(temp.c_str());
    return unexpected(io_failure(path, "cannot replace the output file", code));
  }
  return {};
}

}  // namespace pyresolve::cli
