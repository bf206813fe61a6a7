#pragma once
/// @file
/// Wheel compatibility tags (PEP 425) and the names of distribution files: wheel filenames
/// (PEP 427, as `packaging.utils.parse_wheel_filename`) and sdist filenames (as
/// `packaging.utils.parse_sdist_filename`).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// One `interpreter-abi-platform` triple, lowercase (as `packaging.tags.Tag`).
struct PYRESOLVE_API wheel_tag {
  std::string interpreter;  ///< `cp312`, `py3`
  std::string abi;          ///< `cp312`, `abi3`, `none`
  std::string platform;     ///< `manylinux_2_17_x86_64`, `any`

  /// `interpreter-abi-platform`.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const wheel_tag&, const wheel_tag&) = default;
  friend auto operator<=>(const wheel_tag&, const wheel_tag&) = default;
};

/// A tag triple whose parts may be compressed sets (`py2.py3-none-any`), as it appears at the
/// end of a wheel filename. Each part is lowercased, non-empty and free of duplicates.
struct PYRESOLVE_API compressed_tag_set {
  std::vector<std::string> interpreters;
  std::vector<std::string> abis;
  std::vector<std::string> platforms;

  /// Parses `py2.py3-none-any`: exactly three `-`-separated parts, each a `.`-separated list of
  /// non-empty names. Stricter than `packaging.tags.parse_tag`, which accepts empty names.
  [[nodiscard]] static result<compressed_tag_set> parse(std::string_view text);

  /// The expanded tags, interpreters outermost, then ABIs, then platforms, in written order.
  [[nodiscard]] std::vector<wheel_tag> expand() const;

  /// The compressed form, as written in a filename (`py2.py3-none-any`).
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const compressed_tag_set&, const compressed_tag_set&) = default;
};

/// The optional build tag of a wheel (`-1-` or `-2b-`): a number, then any suffix. Wheels that
/// differ only in build tag sort by (number, suffix); a wheel with no build tag sorts first.
struct PYRESOLVE_API build_tag {
  std::uint64_t number = 0;
  std::string suffix;

  friend bool operator==(const build_tag&, const build_tag&) = default;
  friend auto operator<=>(const build_tag&, const build_tag&) = default;
};

/// A parsed `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
struct PYRESOLVE_API wheel_filename {
  std::string name;  ///< PEP 503-normalized
  packaging::version version;
  std::optional<packaging::build_tag> build;
  compressed_tag_set tags;

  /// Parses like `packaging.utils.parse_wheel_filename`: the name part may hold only ASCII
  /// letters, digits, `_` and `.` and no `__` (PEP 427 escaping); the build tag must start
  /// with a digit. Deviations: the name must not be empty, the build number must fit in
  /// 64 bits, and the name may not contain non-ASCII letters; a filename `unsafe_filename`
  /// refuses is an error. Errors name the filename (control bytes as `\xNN`).
  [[nodiscard]] static result<wheel_filename> parse(std::string_view filename);

  /// The expanded tags of this wheel (`tags.expand()`).
  [[nodiscard]] std::vector<wheel_tag> expanded_tags() const { return tags.expand(); }
};

/// The archive format of a source distribution.
enum class sdist_format : std::uint8_t { tar_gz, zip };

/// A parsed `{name}-{version}.tar.gz` or `{name}-{version}.zip`.
struct PYRESOLVE_API sdist_filename {
  std::string name;  ///< PEP 503-normalized
  packaging::version version;
  sdist_format format = sdist_format::tar_gz;

  /// Parses like `packaging.utils.parse_sdist_filename`: the version is everything after the
  /// last `-` (PEP 440 versions contain no `-`). The name part must not be empty; a
  /// filename `unsafe_filename` refuses is an error.
  [[nodiscard]] static result<sdist_filename> parse(std::string_view filename);
};

/// Why `filename` (from index data) cannot be used as one path component — it contains `/`,
/// `\`, NUL or another control byte, or it is `.` or `..` — or nullptr when it can.
[[nodiscard]] PYRESOLVE_API const char* unsafe_filename(std::string_view filename) noexcept;

}  // namespace pyresolve::packaging
