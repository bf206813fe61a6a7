#pragma once
// Internals shared by version.cpp, specifier.cpp and version_ranges.cpp.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "pyresolve/packaging/version.hpp"

namespace pyresolve::packaging::detail {

/// Where a version sits relative to the others sharing its epoch and release.
enum class bound_kind : std::int8_t { release_min = -1, none = 0, release_max = 1 };

/// One stored local segment; the text of alphanumeric segments lives in the block's buffer.
struct stored_local {
  std::uint64_t number;
  std::uint32_t offset;
  std::uint32_t length;
  bool is_number;
};

/// Every component that takes part in ordering, whatever the representation.
/// `pre_rank`: 0 = dev-only (sorts before any pre-release), 1..3 = a/b/rc, 4 = none.
struct key_view {
  std::uint64_t epoch = 0;
  const std::uint64_t* release = nullptr;
  std::size_t release_size = 0;
  bound_kind bound = bound_kind::none;
  std::uint8_t pre_rank = 4;
  std::uint64_t pre_number = 0;
  bool has_post = false;
  std::uint64_t post = 0;
  bool has_dev = false;
  std::uint64_t dev = 0;
  const stored_local* local = nullptr;
  std::size_t local_size = 0;
  const char* local_text = nullptr;
  bool local_max = false;
  bool after = false;
  /// Written release length of a decoded packed version, whose `release_size` stops at 4
  /// (the segments beyond are zeros); 0 otherwise.
  std::size_t written_release_size = 0;
  /// Storage for the release of a decoded packed version.
  std::array<std::uint64_t, 4> inline_release{};

  key_view() = default;
  // A decoded packed version points into its own inline array: copies must re-point.
  key_view(const key_view& other) noexcept { *this = other; }
  key_view& operator=(const key_view& other) noexcept {
    if (this == &other) return *this;
    const bool own = other.release == other.inline_release.data();
    epoch = other.epoch;
    release = own ? inline_release.data() : other.release;
    release_size = other.release_size;
    bound = other.bound;
    pre_rank = other.pre_rank;
    pre_number = other.pre_number;
    has_post = other.has_post;
    post = other.post;
    has_dev = other.has_dev;
    dev = other.dev;
    local = other.local;
    local_size = other.local_size;
    local_text = other.local_text;
    local_max = other.local_max;
    after = other.after;
    written_release_size = other.written_release_size;
    inline_release = other.inline_release;
    return *this;
  }

  [[nodiscard]] std::uint64_t release_at(std::size_t i) const noexcept {
    return i < release_size ? release[i] : 0;
  }
  [[nodiscard]] bool has_pre() const noexcept { return pre_rank >= 1 && pre_rank <= 3; }
  [[nodiscard]] bool has_local() const noexcept { return local_size != 0; }
};

/// Immutable, intrusively reference-counted storage of a version that does not pack.
/// Laid out as this header, then `release_size` numbers, then `local_size` stored_local,
/// then the local text; one allocation from `memory`.
struct version_block {
  std::atomic<std::uint32_t> refs{1};
  std::uint32_t release_size = 0;
  std::uint32_t local_size = 0;
  std::uint32_t text_size = 0;
  std::size_t alloc_size = 0;
  std::pmr::memory_resource* memory = nullptr;
  std::uint64_t epoch = 0;
  std::uint64_t pre_number = 0;
  std::uint64_t post = 0;
  std::uint64_t dev = 0;
  std::uint8_t pre_rank = 4;
  bool has_post = false;
  bool has_dev = false;
  bound_kind bound = bound_kind::none;
  bool local_max = false;
  bool after = false;

  [[nodiscard]] std::uint64_t* release_data() noexcept { return reinterpret_cast<std::uint64_t*>(this + 1); }
  [[nodiscard]] const std::uint64_t* release_data() const noexcept {
    return reinterpret_cast<const std::uint64_t*>(this + 1);
  }
  [[nodiscard]] stored_local* local_data() noexcept {
    return reinterpret_cast<stored_local*>(release_data() + release_size);
  }
  [[nodiscard]] const stored_local* local_data() const noexcept {
    return reinterpret_cast<const stored_local*>(release_data() + release_size);
  }
  [[nodiscard]] char* text_data() noexcept { return reinterpret_cast<char*>(local_data() + local_size); }
  [[nodiscard]] const char* text_data() const noexcept {
    return reinterpret_cast<const char*>(local_data() + local_size);
  }

  /// Allocates an uninitialized block with room for the given arrays.
  static version_block* create(std::pmr::memory_resource* memory, std::size_t release_size,
                               std::size_t local_size, std::size_t text_size);
  static void release_ref(version_block* block) noexcept;
};

/// Friend of `version`: reads and builds representations.
struct version_access {
  [[nodiscard]] static key_view view(const version& v) noexcept;
  /// Builds a version from components, packing when possible (unless `force_heap`).
  [[nodiscard]] static version build(const key_view& k, std::pmr::memory_resource* memory,
                                     bool force_heap = false);
  [[nodiscard]] static const version_block* block(const version& v) noexcept {
    return reinterpret_cast<const version_block*>(v.m_aux);
  }
};

/// Three-way comparison of two views in PEP 440 order (extended with sentinels).
[[nodiscard]] int compare_views(const key_view& a, const key_view& b) noexcept;

/// `packaging.utils.canonicalize_version(v, strip_trailing_zero=...)`, optionally without
/// the local label (as `canonicalize_version(v.public)`).
void append_canonical(const version& v, std::string& out, bool strip_trailing_zero, bool with_local);

/// Python's `\s` (as `str.isspace`) for the UTF-8 character at `s[i]`: its length, or 0.
[[nodiscard]] std::size_t space_length(std::string_view s, std::size_t i) noexcept;
/// `s` without leading and trailing whitespace (Python's `str.strip()`).
[[nodiscard]] std::string_view strip(std::string_view s) noexcept;

/// The release prefix `~=` matches against (`Specifier._compare_compatible`): packaging's
/// `_version_split` of the operand as written, up to the first suffix item, minus one item.
[[nodiscard]] std::string compatible_prefix(std::string_view text);

/// Whether `text` is a PEP 440 version, without building it or an error message (marker
/// evaluation asks this of every `os_name == "posix"`-like operand, and most are not).
[[nodiscard]] bool is_version(std::string_view text);

}  // namespace pyresolve::packaging::detail
