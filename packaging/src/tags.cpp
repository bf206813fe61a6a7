#include "pyresolve/packaging/tags.hpp"

#include <algorithm>
#include <limits>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::packaging {
namespace {

constexpr char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Splits a compressed part (`py2.py3`) into lowercase, de-duplicated names.
result<std::vector<std::string>> split_compressed(std::string_view part, std::string_view what,
                                                  std::string_view whole) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = part.find('.', start);
    const std::string_view piece =
        part.substr(start, dot == std::string_view::npos ? part.npos : dot - start);
    if (piece.empty()) {
      return fail(errc::invalid_tag,
                  "invalid tag '" + std::string(whole) + "': empty " + std::string(what) + " tag");
    }
    for (char c : piece) {
      // Tags are made of identifiers; anything else (spaces, slashes, control bytes) is a
      // sign that the text was not a tag at all.
      if (!is_alnum(c) && c != '_') {
        return fail(errc::invalid_tag, "invalid tag '" + std::string(whole) + "': unexpected character in " +
                                           std::string(what) + " tag '" + std::string(piece) + "'");
      }
    }
    std::string name = lowercase(piece);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return names;
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

// Filenames come from index data and end up in paths: a separator, NUL or another control
// byte, or a dot segment would let them name something else (the wheel build tag would
// otherwise swallow a `/`).
const char* unsafe_filename(std::string_view filename) noexcept {
  if (filename == "." || filename == "..") return "a dot segment is not a filename";
  for (char c : filename) {
    if (c == '/' || c == '\\') return "a filename may not contain a path separator";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "a filename may not contain control characters";
  }
  return nullptr;
}

std::string wheel_tag::to_string() const { return interpreter + '-' + abi + '-' + platform; }

result<compressed_tag_set> compressed_tag_set::parse(std::string_view text) {
  const std::size_t first = text.find('-');
  const std::size_t second = first == std::string_view::npos ? first : text.find('-', first + 1);
  if (second == std::string_view::npos || text.find('-', second + 1) != std::string_view::npos) {
    return fail(errc::invalid_tag,
                "invalid tag '" + std::string(text) + "': expected three parts, 'python-abi-platform'");
  }
  compressed_tag_set set;
  auto interpreters = split_compressed(text.substr(0, first), "python", text);
  if (!interpreters) return unexpected<error>{std::move(interpreters).error()};
  auto abis = split_compressed(text.substr(first + 1, second - first - 1), "abi", text);
  if (!abis) return unexpected<error>{std::move(abis).error()};
  auto platforms = split_compressed(text.substr(second + 1), "platform", text);
  if (!platforms) return unexpected<error>{std::move(platforms).error()};
  set.interpreters = std::move(*interpreters);
  set.abis = std::move(*abis);
  set.platforms = std::move(*platforms);
  return set;
}

std::vector<wheel_tag> compressed_tag_set::expand() const {
  std::vector<wheel_tag> out;
  out.reserve(interpreters.size() * abis.size() * platforms.size());
  for (const auto& interpreter : interpreters) {
    for (const auto& abi : abis) {
      for (const auto& platform : platforms) out.push_back(wheel_tag{interpreter, abi, platform});
    }
  }
  return out;
}

std::string compressed_tag_set::to_string() const {
  return join(interpreters, '.') + '-' + join(abis, '.') + '-' + join(platforms, '.');
}

result<wheel_filename> wheel_filename::parse(std::string_view filename) {
  const auto bad = [&](std::string why) {
    return fail(errc::invalid_filename,
                "invalid wheel filename '" + printable(excerpt(filename)) + "': " + why);
  };
  if (const char* why = unsafe_filename(filename)) return bad(why);
  if (!ends_with(filename, ".whl")) return bad("extension must be '.whl'");
  const std::string_view stem = filename.substr(0, filename.size() - 4);

  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = stem.find('-', start);
    parts.push_back(stem.substr(start, dash == std::string_view::npos ? stem.npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() != 5 && parts.size() != 6) return bad("wrong number of parts");

  const std::string_view name_part = parts[0];
  if (name_part.empty()) return bad("empty project name");
  // PEP 427 escaping turns every run of `-_.` into `_`, so `__` or any other byte means the
  // name was not escaped (packaging accepts `[\w\d._]*` without `__`).
  if (name_part.find("__") != std::string_view::npos ||
      !std::all_of(name_part.begin(), name_part.end(),
                   [](char c) { return is_alnum(c) || c == '_' || c == '.'; })) {
    return bad("invalid project name '" + std::string(name_part) + "'");
  }

  wheel_filename out;
  out.name = normalize_name(name_part);

  auto parsed_version = packaging::version::parse(parts[1]);
  if (!parsed_version) return bad("invalid version: " + parsed_version.error().message);
  out.version = std::move(*parsed_version);

  if (parts.size() == 6) {
    const std::string_view build_part = parts[2];
    std::size_t digits = 0;
    while (digits < build_part.size() && is_digit(build_part[digits])) ++digits;
    if (digits == 0) return bad("build tag '" + std::string(build_part) + "' must start with a digit");
    std::uint64_t number = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      const auto digit = static_cast<std::uint64_t>(build_part[i] - '0');
      if (number > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        return bad("build number '" + std::string(build_part.substr(0, digits)) + "' is too large");
      }
      number = number * 10 + digit;
    }
    out.build = build_tag{number, std::string(build_part.substr(digits))};
  }

  const std::size_t tags_start = parts[parts.size() - 3].data() - stem.data();
  auto tags = compressed_tag_set::parse(stem.substr(tags_start));
  if (!tags) return bad(tags.error().message);
  out.tags = std::move(*tags);
  return out;
}

result<sdist_filename> sdist_filename::parse(std::string_view filename) {
  const auto bad = [&](std::string why) {
    return fail(errc::invalid_filename,
                "invalid sdist filename '" + printable(excerpt(filename)) + "': " + why);
  };
  if (const char* why = unsafe_filename(filename)) return bad(why);
  sdist_filename out;
  std::string_view stem;
  if (ends_with(filename, ".tar.gz")) {
    stem = filename.substr(0, filename.size() - 7);
    out.format = sdist_format::tar_gz;
  } else if (ends_with(filename, ".zip")) {
    stem = filename.substr(0, filename.size() - 4);
    out.format = sdist_format::zip;
  } else {
    return bad("extension must be '.tar.gz' or '.zip'");
  }
  const std::size_t dash = stem.rfind('-');
  if (dash == std::string_view::npos) return bad("expected '{name}-{version}'");
  if (dash == 0) return bad("empty project name");
  out.name = normalize_name(stem.substr(0, dash));
  auto parsed_version = packaging::version::parse(stem.substr(dash + 1));
  if (!parsed_version) return bad("invalid version: " + parsed_version.error().message);
  out.version = std::move(*parsed_version);
  return out;
}

}  // namespace pyresolve::packaging
