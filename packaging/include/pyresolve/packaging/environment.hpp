#pragma once
/// @file
/// The environment a resolution targets: a CPython version on a platform. It gives the values
/// of the PEP 508 marker variables and the ordered list of wheel tags the interpreter accepts,
/// exactly as `packaging.tags.sys_tags()` (23.0) would list them on that interpreter.
///
/// Platform names follow uv's `--python-platform`:
///
/// | name                                   | platform                        | platform_machine |
/// |----------------------------------------|---------------------------------|------------------|
/// | `linux`, `x86_64-unknown-linux-gnu`    | x86_64, manylinux_2_17          | `x86_64`         |
/// | `aarch64-unknown-linux-gnu`            | aarch64, manylinux_2_17         | `aarch64`        |
/// | `{arch}-manylinux_2_{N}`               | `{arch}`, manylinux_2_N         | `{arch}`         |
/// | `{arch}-manylinux2014`                 | `{arch}`, manylinux_2_17        | `{arch}`         |
/// | `x86_64-unknown-linux-musl`            | x86_64, musllinux_1_2           | `x86_64`         |
/// | `aarch64-unknown-linux-musl`           | aarch64, musllinux_1_2          | `aarch64`        |
/// | `{arch}-musllinux_1_{N}`               | `{arch}`, musllinux_1_N         | `{arch}`         |
/// | `macos`, `aarch64-apple-darwin`        | arm64, macOS 13.0               | `arm64`          |
/// | `x86_64-apple-darwin`                  | x86_64, macOS 13.0              | `x86_64`         |
/// | `windows`, `x86_64-pc-windows-msvc`    | `win_amd64`                     | `AMD64`          |
/// | `i686-pc-windows-msvc`                 | `win32`                         | `x86`            |
/// | `aarch64-pc-windows-msvc`              | `win_arm64`                     | `ARM64`          |
///
/// `{arch}` for Linux is one of `x86_64`, `aarch64`, `i686`, `ppc64le`, `ppc64`, `s390x`,
/// `armv7l`. macOS 13.0 is uv's default (the oldest macOS not at end of life); another macOS
/// version is available through `target_platform`. On Windows `platform_machine` is what
/// CPython reports there (`AMD64`), where uv reports `x86_64`.
///
/// `platform_release` and `platform_version` describe a kernel build, which a target triple
/// does not determine: they are left empty, as uv does, so markers comparing them are false.

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/tags.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::packaging {

/// The operating-system family of a target, which decides its platform-tag ladder.
enum class target_os : std::uint8_t { manylinux, musllinux, macos, windows };

/// A platform: OS family, architecture as it appears in platform tags (`x86_64`, `aarch64`,
/// `arm64` on macOS, `amd64`/`win32`/`arm64` on Windows) and the OS version that bounds
/// the ladder (glibc `2.N`, musl `1.N`, macOS `major.minor`; unused on Windows).
struct PYRESOLVE_API target_platform {
  target_os os = target_os::manylinux;
  std::string arch = "x86_64";
  std::uint32_t major = 2;
  std::uint32_t minor = 17;

  /// Parses a `--python-platform` name (see the table in this file's documentation).
  [[nodiscard]] static result<target_platform> parse(std::string_view name);

  /// The platform tags accepted on this platform, best first: the manylinux/musllinux ladder
  /// then `linux_{arch}`, the macOS version ladder with fat-binary formats, or the one
  /// Windows tag; as `packaging.tags.platform_tags()` produces them.
  [[nodiscard]] std::vector<std::string> platform_tags() const;

  friend bool operator==(const target_platform&, const target_platform&) = default;
};

/// A CPython version such as `3.12` or `3.12.1`.
struct PYRESOLVE_API python_version {
  std::uint32_t major = 3;
  std::uint32_t minor = 12;
  std::optional<std::uint32_t> patch;  ///< absent when given as `3.12`
  /// A pre-release of `X.Y.Z` (`a1`, `b2`, `rc1`), as `--python-version 3.13.0rc1` gives it;
  /// empty for a release.
  std::string pre_release{};

  /// Parses `X.Y`, `X.Y.Z` or `X.Y.Z` followed by `aN`, `bN` or `rcN` (digits otherwise).
  [[nodiscard]] static result<python_version> parse(std::string_view text);

  /// `X.Y`.
  [[nodiscard]] std::string short_string() const;
  /// `X.Y.Z` and the pre-release, with `Z` = 0 when no patch was given (what
  /// `python_full_version` reads: `3.13.0rc1`).
  [[nodiscard]] std::string full_string() const;
  /// `X.Y.Z` without the pre-release: what Requires-Python is checked against, as pip and
  /// uv check it (`sys.version_info[:3]`).
  [[nodiscard]] std::string release_string() const;

  friend bool operator==(const python_version&, const python_version&) = default;
};

/// A CPython interpreter on a platform. Immutable after construction; thread-safe for reads.
/// Copies share one immutable state (a reference count, no allocation): options structs hold
/// environments by value and are copied per run.
class PYRESOLVE_API target_environment {
 public:
  /// Builds from a Python version (`3.12`, `3.12.1`) and a platform name (see this file's
  /// documentation); errors name the bad value.
  [[nodiscard]] static result<target_environment> create(std::string_view python, std::string_view platform);

  /// Builds from parsed values.
  [[nodiscard]] static target_environment create(const python_version& python,
                                                 const target_platform& platform);
  /// CPython 3.11 on `linux` (x86_64, manylinux), built once per process: the default of
  /// the options structs, so copying it shares its state instead of building a tag table.
  [[nodiscard]] static const target_environment& default_target();

  /// Whether this is a default-constructed environment (no tags, no marker values). The
  /// options structs read an empty environment as `default_target()`, so that a caller who
  /// sets its own target never pays for building the default one.
  [[nodiscard]] bool empty() const noexcept { return m_state == empty_state(); }
  /// `*this`, or `default_target()` when empty.
  [[nodiscard]] const target_environment& or_default() const { return empty() ? default_target() : *this; }

  [[nodiscard]] const python_version& python() const noexcept { return m_state->python; }
  [[nodiscard]] const target_platform& platform() const noexcept { return m_state->platform; }

  /// The marker variables of this environment (`extra` excluded).
  [[nodiscard]] const marker_environment& markers() const noexcept { return m_state->markers; }

  /// Compatible tags in priority order: `cpython_tags()` then `compatible_tags()`, as
  /// `sys_tags()` yields them for a non-debug CPython.
  /// Built on first use (a resolve never needs the strings, only `rank`); thread-safe.
  [[nodiscard]] const std::vector<wheel_tag>& tags() const;

  /// The position of a tag in `tags()` (0 is the most preferred), nullopt when the tag is
  /// not accepted. Tags compare case-sensitively: pass lowercase parts, as tags are.
  [[nodiscard]] std::optional<std::uint32_t> rank(std::string_view interpreter, std::string_view abi,
                                                  std::string_view platform) const noexcept;
  [[nodiscard]] std::optional<std::uint32_t> rank(const wheel_tag& tag) const noexcept {
    return rank(tag.interpreter, tag.abi, tag.platform);
  }
  /// The best rank among the tags of a compressed set (a wheel), nullopt when none is accepted.
  [[nodiscard]] std::optional<std::uint32_t> rank(const compressed_tag_set& tags) const noexcept;
  [[nodiscard]] std::optional<std::uint32_t> rank(const wheel_filename& wheel) const noexcept {
    return rank(wheel.tags);
  }

  [[nodiscard]] bool is_compatible(const wheel_filename& wheel) const noexcept {
    return rank(wheel).has_value();
  }

  /// The three parts of a tag.
  enum class tag_part : std::uint8_t { interpreter, abi, platform };
  /// The number this environment gives `text` as one `part` of its tags, nullopt when no
  /// accepted tag has it. With `rank_of`, a caller that ranks many wheels made of the same few
  /// texts (the files of an index page) hashes each text once instead of once per file.
  [[nodiscard]] std::optional<std::uint32_t> part_id(tag_part part, std::string_view text) const noexcept;
  /// `rank` of the tag whose parts have these `part_id`s.
  [[nodiscard]] std::optional<std::uint32_t> rank_of(std::uint32_t interpreter, std::uint32_t abi,
                                                     std::uint32_t platform) const noexcept;

 private:
  using part_index = std::unordered_map<std::string, std::uint32_t, text_hash, std::equal_to<>>;

  // Each distinct interpreter, ABI and platform gets a small number; a tag is then one
  // 64-bit key, so a lookup hashes three string_views and one integer and allocates nothing.
  [[nodiscard]] static std::optional<std::uint32_t> find(const part_index& index,
                                                         std::string_view part) noexcept;
  static constexpr std::uint32_t no_rank = std::numeric_limits<std::uint32_t>::max();

  struct state {
    python_version python;
    target_platform platform;
    marker_environment markers;
    part_index interpreters;
    part_index abis;
    part_index platforms;
    /// The rank of every (interpreter, ABI, platform) number triple, `no_rank` when the tag is
    /// not accepted: a few thousand cells, looked up with no hashing.
    std::vector<std::uint32_t> rank_table;
    std::uint32_t tag_count = 0;
    mutable std::once_flag tags_once;
    mutable std::vector<wheel_tag> tags;
    [[nodiscard]] std::size_t cell(std::uint32_t interpreter_id, std::uint32_t abi_id,
                                   std::uint32_t platform_id) const noexcept {
      return (std::size_t{interpreter_id} * abis.size() + abi_id) * platforms.size() + platform_id;
    }
  };
  /// The state of a default-constructed environment (no tags, no marker values), shared.
  [[nodiscard]] static const std::shared_ptr<const state>& empty_state();

  std::shared_ptr<const state> m_state = empty_state();
};

}  // namespace pyresolve::packaging
