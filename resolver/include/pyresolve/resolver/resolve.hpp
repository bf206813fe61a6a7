#pragma once
/// @file
/// The public entry point for embedders: `pyresolve::resolve(requirements, options, provider)`.
///
/// ```cpp
/// auto env = pyresolve::packaging::target_environment::create("3.11", "linux");
/// auto uni = pyresolve::resolver::universe_provider::from_file("universe.json", *env);
/// std::vector<pyresolve::packaging::requirement> reqs{*pyresolve::packaging::requirement::parse("a>=1")};
/// pyresolve::resolver::resolve_options options;
/// options.environment = *env;
/// auto out = pyresolve::resolve(reqs, options, **uni);
/// if (!out) std::puts(out.error().explanation.c_str());
/// ```

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/resolver/provider.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::resolver {

/// Which version of a package the solver tries first.
enum class resolution_strategy : std::uint8_t {
  highest,  ///< the newest acceptable version (default)
  lowest,   ///< the oldest acceptable version
  /// The oldest acceptable version of the user's direct requirements, the newest of the rest.
  lowest_direct,
};

/// When pre-releases are candidates (uv's `--prerelease`).
enum class prerelease_mode : std::uint8_t {
  /// Pre-releases of a package are candidates when a direct requirement on it names one
  /// (`a>=1.0b1`), or when no final release lies in the range the solver considers; a final
  /// release in range is preferred either way (uv's rule).
  if_necessary_or_explicit,
  allow,     ///< pre-releases compete with final releases
  disallow,  ///< pre-releases are never candidates
  /// Pre-releases of a package are candidates only when a user requirement, constraint or
  /// override on it names one, and then only when no final release lies in range.
  explicit_only,
  /// Pre-releases are candidates only when no final release in the range is usable.
  if_necessary,
};

/// The strategy spelled as uv's `--resolution` values (`highest`, `lowest`, `lowest-direct`);
/// nullopt for any other text.
[[nodiscard]] PYRESOLVE_API std::optional<resolution_strategy> resolution_strategy_named(
    std::string_view name) noexcept;
/// The mode spelled as uv's `--prerelease` values (`if-necessary-or-explicit`, `allow`,
/// `disallow`, `explicit`, `if-necessary`); nullopt for any other text.
[[nodiscard]] PYRESOLVE_API std::optional<prerelease_mode> prerelease_mode_named(
    std::string_view name) noexcept;

/// A version to try first for a package (e.g. a pin of an existing output file).
struct PYRESOLVE_API preference {
  std::string name;  ///< any spelling; normalized by the solver
  packaging::version version;
  /// Universal resolution: the environments the preference is for (a pin of an earlier
  /// universal answer, `b==1.0 ; sys_platform == "win32"`); a fork only takes the preferences
  /// whose marker meets it. Unset: everywhere. Ignored by a single-environment resolve.
  std::optional<packaging::marker> marker{};
};

/// What to resolve for and how.
struct PYRESOLVE_API resolve_options {
  /// The target: markers and Requires-Python are evaluated for it. Empty (the default):
  /// CPython 3.11 on x86_64 manylinux, `target_environment::default_target()`, built only
  /// when a resolve needs it.
  packaging::target_environment environment;
  resolution_strategy strategy = resolution_strategy::highest;
  prerelease_mode prerelease = prerelease_mode::if_necessary_or_explicit;
  /// Constraints (`-c`): each narrows the range of its package whenever something else
  /// requires that package; a constraint alone never adds a package. Markers are evaluated for
  /// the target.
  std::vector<packaging::requirement> constraints;
  /// Overrides: every requirement on an overridden package, the user's included, is replaced
  /// by the overrides naming it (whose markers are evaluated for the target).
  std::vector<packaging::requirement> overrides;
  /// Excluded packages (uv's `--excludes`), any spelling: every requirement on them, the
  /// user's included, is dropped whatever its specifier or marker, so neither they nor what
  /// only they require are resolved.
  std::vector<std::string> excludes;
  /// Preferred versions, tried first when acceptable.
  std::vector<preference> preferences;
  /// Ignore every preference (`--upgrade`).
  bool upgrade = false;
  /// Ignore the preferences of these packages (`--upgrade-package`), any spelling.
  std::vector<std::string> upgrade_packages;
  /// Universal resolution (uv's `--universal`): one answer installable in every environment
  /// this marker admits (an empty marker: every environment; `python_full_version >= "3.9"`:
  /// every platform and implementation on Python 3.9 and later). `environment` is then not
  /// used; markers are read as sets of environments, each version's Requires-Python is
  /// checked against the lowest Python it must serve (its lower bounds only, as uv does),
  /// and the provider should flag every version with any file as having a compatible one.
  /// Where one package's requirements of a version carry markers that cut the environments
  /// (`b>=2 ; sys_platform == "linux"` and `b<2 ; sys_platform != "linux"`), the resolution
  /// forks: each side is solved on its own, with the versions the sides before it chose as
  /// preferences, and the sides' answers merge into one list in which a package may have
  /// several versions, each with the marker of the environments that install it.
  std::optional<packaging::marker> universal;
  /// Universal resolution: how many forks are solved at once, as oneTBB tasks, when the
  /// provider is `concurrent()` (0: one per core; 1: one after another). The answer is the
  /// same whatever the number.
  unsigned threads = 0;
  /// Where the solver allocates its state (assignments, incompatibilities, package table).
  std::pmr::memory_resource* memory = support::default_resource();
};

/// One package of a resolution.
struct PYRESOLVE_API resolved_package {
  std::string name;  ///< PEP 503-normalized
  packaging::version version;
  /// Extras of this package that the resolution activated, normalized and sorted.
  std::vector<std::string> extras;
  /// Normalized names of the packages that require this one (for `# via`), sorted; the empty
  /// string stands for the user's requirements.
  std::vector<std::string> parents;
  /// Universal resolution: the environments in which this version is installed, as PEP 508
  /// marker text with single-quoted values, simplified for the universe's lowest Python
  /// (empty: wherever the universe holds). Always empty otherwise.
  std::string marker{};
};

/// What the solver did, for reports and benchmarks (the same inputs give the same numbers).
struct PYRESOLVE_API solver_stats {
  std::uint64_t decisions = 0;          ///< versions decided (made again after a backjump: counted again)
  std::uint64_t backjumps = 0;          ///< conflicts that undid decisions
  std::uint64_t assignments = 0;        ///< terms added to the partial solution, decisions included
  std::uint64_t incompatibilities = 0;  ///< known at the end: dependencies, learned and the rest
  /// Universal resolution: the forks whose answers were merged (1 when nothing split); and the
  /// forks solved, again with preferences included. 0 otherwise; the other counts are sums.
  std::uint64_t forks = 0;
  std::uint64_t fork_solves = 0;
};

/// A successful resolution: every package needed, sorted by name (and, in a universal
/// resolution, by version where a package has several).
struct PYRESOLVE_API resolution {
  std::vector<resolved_package> packages;
  /// Things a user should know about the answer, one sentence each, as uv words them (an
  /// extra that a chosen version does not define: "The package `a==1.0` does not have an
  /// extra named `x`").
  std::vector<std::string> warnings;
  solver_stats stats;
};

/// Why resolution failed.
struct PYRESOLVE_API resolve_failure {
  enum class kind : std::uint8_t {
    unsatisfiable,  ///< no set of versions satisfies the requirements; see `explanation`
    invalid_input,  ///< a requirement could not be used (e.g. an invalid marker)
    /// the provider could not read what the solver asked for (`errc::io_error`: a network
    /// failure, an offline miss, a corrupt cache entry): any answer would depend on what was
    /// not read, so there is none; `explanation` is the provider's message
    unreadable,
  };
  kind what = kind::unsatisfiable;
  /// uv-style text derived from the derivation tree ("Because a depends on b>=2 and only b<2
  /// is available, ..."), one sentence per line, no trailing newline.
  std::string explanation;
  /// Normalized names of the packages the explanation mentions, sorted.
  std::vector<std::string> packages;
  /// When some versions were ruled out only because the target Python is older than their
  /// Requires-Python: the Python they need (`>=3.9`) and those versions (`sphinx>=7.2.0`), for
  /// a hint; empty otherwise (and in a universal resolution).
  std::string python_needed;
  std::string python_needed_by;
};

/// Resolves `requirements` (markers evaluated for `options.environment`, extra `""`) with
/// PubGrub, reading packages only through `source`. Deterministic: the same inputs give the
/// same output.
[[nodiscard]] PYRESOLVE_API result<resolution, resolve_failure> resolve(
    std::span<const packaging::requirement> requirements, const resolve_options& options, provider& source);

}  // namespace pyresolve::resolver

namespace pyresolve {
using resolver::resolve;
}  // namespace pyresolve
