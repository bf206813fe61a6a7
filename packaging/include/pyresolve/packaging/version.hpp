#pragma once
/// @file
/// PEP 440 versions: parsing with normalization, printing, and ordering exactly as
/// `packaging.version.Version` does.
///
/// The common case (epoch 0, at most 4 release segments that fit their bit fields, at most
/// one of pre/post/dev, no local part) is packed into a 64-bit key whose unsigned order is the
/// PEP 440 order, so comparing two such versions is one integer compare. Anything else lives
/// in an immutable, reference-counted block allocated from a `std::pmr::memory_resource`.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

namespace detail {
struct version_block;
struct version_access;
}  // namespace detail

/// Kind of a pre-release segment, in PEP 440 order.
enum class pre_kind : std::uint8_t { alpha, beta, rc };

/// A pre-release segment such as `a1` or `rc2`.
struct PYRESOLVE_API pre_release {
  pre_kind kind;
  std::uint64_t number;
  friend bool operator==(const pre_release&, const pre_release&) = default;
};

/// One segment of a local version label: numeric segments sort after alphanumeric ones.
struct PYRESOLVE_API local_segment {
  bool is_number;
  std::uint64_t number;  ///< valid when `is_number`
  std::string text;      ///< lowercase; valid when `!is_number`
  friend bool operator==(const local_segment&, const local_segment&) = default;
};

/// A parsed, normalized PEP 440 version. Immutable; copies are cheap (packed, or one atomic
/// increment). Thread-safe for concurrent reads and copies.
class PYRESOLVE_API version {
 public:
  /// The version `0`.
  version() noexcept;
  // Copies, moves and destruction are inline for the packed form: the solver copies and
  // destroys range bounds in its innermost loops, where an out-of-line call per bound cost
  // more than the work itself.
  version(const version& other) noexcept : m_key(other.m_key), m_aux(other.m_aux) {
    if (!is_packed()) add_ref();
  }
  version(version&& other) noexcept : m_key(other.m_key), m_aux(other.m_aux) {
    other.m_key = k_zero_key;
    other.m_aux = k_zero_aux;
  }
  version& operator=(const version& other) noexcept {
    if (this != &other) {
      version copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  version& operator=(version&& other) noexcept {
    if (this != &other) {
      if (!is_packed()) drop_ref();
      m_key = other.m_key;
      m_aux = other.m_aux;
      other.m_key = k_zero_key;
      other.m_aux = k_zero_aux;
    }
    return *this;
  }
  ~version() {
    if (!is_packed()) drop_ref();
  }

  /// Parses any valid PEP 440 version, normalizing case, a leading `v`, separators, implicit
  /// numbers, alternative spellings (`alpha`, `c`, `pre`, `preview`, `rev`, `r`), `-N` post
  /// releases and surrounding whitespace. The error message names the text and the
  /// 1-based column where parsing failed; `error::column` holds the same column.
  /// Unlike Python, numbers must fit in 64 bits, and letters must be ASCII (Python's
  /// case-insensitive match also folds KELVIN SIGN and LONG S); whitespace is Python's `\s`.
  /// @param memory used only for versions that do not fit the packed form.
  [[nodiscard]] static result<version> parse(std::string_view text,
                                             std::pmr::memory_resource* memory = support::default_resource());

  /// Builds a final release from its segments (`from_release({1, 2})` is `1.2`).
  [[nodiscard]] static version from_release(std::initializer_list<std::uint64_t> release,
                                            std::pmr::memory_resource* memory = support::default_resource());

  /// @name Components
  /// @{
  [[nodiscard]] std::uint64_t epoch() const noexcept;
  [[nodiscard]] std::size_t release_size() const noexcept;
  /// Segment `i` of the release; 0 beyond `release_size()` (PEP 440 pads with zeros).
  [[nodiscard]] std::uint64_t release(std::size_t i) const noexcept;
  [[nodiscard]] std::vector<std::uint64_t> release_segments() const;
  [[nodiscard]] std::optional<pre_release> pre() const noexcept;
  [[nodiscard]] std::optional<std::uint64_t> post() const noexcept;
  [[nodiscard]] std::optional<std::uint64_t> dev() const noexcept;
  [[nodiscard]] bool has_local() const noexcept;
  [[nodiscard]] std::vector<local_segment> local() const;
  /// @}

  /// A pre-release or a development release (`packaging`'s `is_prerelease`).
  [[nodiscard]] bool is_prerelease() const noexcept;
  [[nodiscard]] bool is_postrelease() const noexcept;
  [[nodiscard]] bool is_devrelease() const noexcept;

  /// The version without its local label (`1.0+abc` -> `1.0`).
  [[nodiscard]] version public_version() const;
  /// Epoch and release only (`1!2.0rc1.post3` -> `1!2.0`).
  [[nodiscard]] version base_version() const;

  /// The normalized form, as `str(packaging.version.Version(text))`.
  [[nodiscard]] std::string to_string() const;

  /// True when held in the packed 64-bit form.
  [[nodiscard]] bool is_packed() const noexcept { return (m_aux & 1U) != 0; }
  /// The packed ordering key; meaningful only when `is_packed()`.
  [[nodiscard]] std::uint64_t packed_key() const noexcept { return m_key; }

  /// @name Serialization of the packed form
  /// What a cache stores instead of the text, so that loading a version is a bounds check
  /// instead of a parse. `packed_bits()` gives the raw bits of a packed version (nullopt for
  /// the general form, about 5 % of real versions, which a cache keeps as text);
  /// `from_packed(packed_bits())` is the same version, bit for bit. `from_packed` rejects bits
  /// no version has (nonzero segments beyond `release_size`, a release size of 0, a suffix
  /// number where the kind has none), so corrupt input gives nullopt, never a broken version.
  /// The layout belongs to this build: store `packed_layout` beside the bits and treat a
  /// different value as a format change.
  /// @{
  struct raw_bits {
    std::uint64_t key = 0;           ///< `packed_key()`
    std::uint32_t release_size = 0;  ///< release segments as written (`1.0.0`: 3)
  };
  /// Identifies the packed layout (field widths and kinds); changes whenever they do.
  static const std::uint32_t packed_layout;
  [[nodiscard]] std::optional<raw_bits> packed_bits() const noexcept;
  [[nodiscard]] static std::optional<version> from_packed(raw_bits bits) noexcept;
  /// @}

  /// A hash consistent with `==` (so `1.0` and `1.0.0` hash alike).
  [[nodiscard]] std::size_t hash() const noexcept;

  // Packed-vs-packed is one integer compare, inline; the rest goes out of line.
  friend std::strong_ordering operator<=>(const version& a, const version& b) noexcept {
    if (a.is_packed() && b.is_packed()) [[likely]]
      return a.m_key <=> b.m_key;
    return compare_general(a, b);
  }
  friend bool operator==(const version& a, const version& b) noexcept {
    if (a.is_packed() && b.is_packed()) [[likely]]
      return a.m_key == b.m_key;
    return equal_general(a, b);
  }

  /// @name Sentinels for range bounds
  /// Versions that sort before or after every real version sharing this one's epoch and
  /// release (`1.7` -> "lowest 1.7.*" / "highest 1.7.*"), and after every local version of
  /// this one, and just after this exact version. They never come out of `parse` and print
  /// with a `.min`/`.max`/`+max`/`+next` marker.
  /// @{
  [[nodiscard]] version release_min() const;
  [[nodiscard]] version release_max() const;
  [[nodiscard]] version local_max() const;
  /// Sorts after this exact version and before anything else greater than it (PEP 440's
  /// order has no successor: between `1.0+a` and `1.0+a0` there is always `1.0+a00...`).
  [[nodiscard]] version just_after() const;
  [[nodiscard]] bool is_sentinel() const noexcept;
  /// @}

 private:
  // Packed: m_key is the order key and m_aux is (release_size << 1) | 1.
  // Otherwise: m_aux is a pointer to a detail::version_block (aligned, low bit 0).
  std::uint64_t m_key = 0;
  std::uintptr_t m_aux = 1;

  /// The packed form of `0` (what a moved-from version holds); version.cpp checks these
  /// against the parser's constants.
  static constexpr std::uint64_t k_zero_key = std::uint64_t{5} << 11;
  static constexpr std::uintptr_t k_zero_aux = (1U << 1) | 1U;
  void add_ref() const noexcept;
  void drop_ref() const noexcept;
  static std::strong_ordering compare_general(const version& a, const version& b) noexcept;
  static bool equal_general(const version& a, const version& b) noexcept;

  friend struct detail::version_block;
  friend struct detail::version_access;
};

namespace detail {
/// Test and benchmark hook: parses like `version::parse` but never uses the packed form, so
/// the general (heap) representation can be exercised and measured on any input.
[[nodiscard]] PYRESOLVE_API result<version> parse_unpacked(
    std::string_view text, std::pmr::memory_resource* memory = support::default_resource());
}  // namespace detail

}  // namespace pyresolve::packaging

template <>
struct std::hash<pyresolve::packaging::version> {
  std::size_t operator()(const pyresolve::packaging::version& v) const noexcept { return v.hash(); }
};
