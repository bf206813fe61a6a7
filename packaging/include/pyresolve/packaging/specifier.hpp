#pragma once
/// @file
/// PEP 440 version specifiers (`>=1.0,!=1.3.*`), matching exactly as `packaging.specifiers`
/// does, and their conversion into version ranges for the solver.

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/version.hpp"
#include "pyresolve/packaging/version_ranges.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {

/// A comparison operator of PEP 440.
enum class spec_op : std::uint8_t {
  compatible,       ///< `~=`
  equal,            ///< `==`, possibly with a `.*` wildcard
  not_equal,        ///< `!=`, possibly with a `.*` wildcard
  less_equal,       ///< `<=`
  greater_equal,    ///< `>=`
  less,             ///< `<`
  greater,          ///< `>`
  arbitrary_equal,  ///< `===` (string equality, case-insensitive)
};

/// The operator as written in a specifier (`spec_op::compatible` -> `~=`).
[[nodiscard]] PYRESOLVE_API const char* to_string(spec_op op) noexcept;

class specifier;
namespace detail {
// The parser behind `specifier::parse`. With `messages` false the error carries only its code
// and column: marker evaluation tries every `op + rhs` as a specifier and drops the error when
// it is not one (`sys_platform == "linux"`), so building its text would be waste.
[[nodiscard]] PYRESOLVE_API result<specifier> parse_specifier(std::string_view text,
                                                              std::pmr::memory_resource* memory,
                                                              bool messages);
}  // namespace detail

/// One clause such as `>=1.0` or `==1.2.*`. Immutable; thread-safe for reads.
class PYRESOLVE_API specifier {
 public:
  /// Parses one clause; whitespace around the operator and the version is allowed.
  /// Rejects what PEP 440 forbids (`~=1`, `<1.0.*`, a local label with ordered operators...)
  /// with an error naming the text and column.
  [[nodiscard]] static result<specifier> parse(
      std::string_view text, std::pmr::memory_resource* memory = support::default_resource());

  /// Rebuilds a clause from the parts a parsed one gives (`op()`, `has_wildcard()`,
  /// `operand()`, `operand_text()`) without parsing, for caches that store those parts. Only
  /// what cannot hold together is refused (a wildcard on an operator other than `==`/`!=`,
  /// an empty operand); the caller vouches that the parts came from `parse`.
  /// The operand text is copied into `memory`.
  [[nodiscard]] static result<specifier> from_parts(
      spec_op op, bool wildcard, version operand, std::string_view operand_text,
      std::pmr::memory_resource* memory = support::default_resource());

  [[nodiscard]] spec_op op() const noexcept { return m_op; }
  /// The version operand. For `===` it is meaningful only if the operand parses as a version.
  [[nodiscard]] const version& operand() const noexcept { return m_version; }
  [[nodiscard]] bool has_wildcard() const noexcept { return m_wildcard; }
  /// The operand exactly as written after the operator, trimmed (used by `===`).
  [[nodiscard]] std::string_view operand_text() const noexcept { return m_text; }

  /// Whether this clause alone asks for pre-releases (`packaging`'s `Specifier.prereleases`).
  /// For `===text` where `text` is no version packaging raises; this answers false.
  [[nodiscard]] bool implies_prereleases() const noexcept;

  /// `Specifier.contains(v, prereleases)`: with no explicit choice, pre-releases match only
  /// if `implies_prereleases()`.
  [[nodiscard]] bool contains(const version& v, std::optional<bool> prereleases = std::nullopt) const;

  /// Normalized text, as `str(Specifier(text))` (the operand keeps its written form).
  [[nodiscard]] std::string to_string() const;

  /// The versions this clause admits when pre-releases are allowed. Exact for every version
  /// without a local label; see version_ranges.hpp for how local versions are treated.
  [[nodiscard]] version_ranges to_ranges() const;

  friend bool operator==(const specifier&, const specifier&) = default;

 private:
  friend result<specifier> detail::parse_specifier(std::string_view, std::pmr::memory_resource*, bool);
  explicit specifier(std::pmr::memory_resource* memory) : m_text(memory) {}
  spec_op m_op = spec_op::equal;
  bool m_wildcard = false;
  version m_version;
  // In the resource the clause was parsed or rebuilt with; a copy takes the default resource
  // (`std::pmr` copy semantics), a move keeps it.
  std::pmr::string m_text;
};

/// A comma-separated conjunction of specifiers; empty means "any version".
///
/// Its clauses live in the resource given to `parse` (or to the vector passed in), so that a
/// set decoded on the hot path allocates nothing from the global heap. A copy takes the
/// default resource, a move keeps the source's.
class PYRESOLVE_API specifier_set {
 public:
  specifier_set() = default;
  /// An empty set whose clauses, once assigned or moved in, live in `memory`.
  explicit specifier_set(std::pmr::memory_resource* memory) : m_specs(memory) {}
  explicit specifier_set(std::pmr::vector<specifier> specs) : m_specs(std::move(specs)) {}

  /// Parses `>=1.0, <2` (an empty or blank string gives the empty set).
  [[nodiscard]] static result<specifier_set> parse(
      std::string_view text, std::pmr::memory_resource* memory = support::default_resource());

  [[nodiscard]] const std::pmr::vector<specifier>& specifiers() const noexcept { return m_specs; }
  [[nodiscard]] bool empty() const noexcept { return m_specs.empty(); }

  /// Whether some clause asks for pre-releases (`SpecifierSet.prereleases`, `None` -> false).
  [[nodiscard]] bool implies_prereleases() const noexcept;

  /// `SpecifierSet.contains(v, prereleases)`.
  [[nodiscard]] bool contains(const version& v, std::optional<bool> prereleases = std::nullopt) const;

  /// Read as a Requires-Python, whether it admits the Pythons from `lowest` up, as uv reads
  /// it: only the lower bounds count. `<`, `<=` and `!=` clauses are ignored; `~=X.Y` and
  /// `==X.*` are read as `>=X.Y` and `>=X`; a plain `==` and `>=`, `>`, `===` as `contains`
  /// (pre-releases admitted).
  [[nodiscard]] bool admits_python_from(const version& lowest) const;

  /// `str(SpecifierSet(text))`: clauses sorted by their text and joined by commas.
  [[nodiscard]] std::string to_string() const;

  /// Intersection of the clauses' ranges (pre-releases admitted; the solver applies the
  /// pre-release policy separately).
  [[nodiscard]] version_ranges to_ranges() const;

  friend bool operator==(const specifier_set&, const specifier_set&) = default;

 private:
  std::pmr::vector<specifier> m_specs;
};

}  // namespace pyresolve::packaging
