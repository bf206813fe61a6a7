#pragma once
/// @file
/// The in-memory shape of one project as make-index reads it from any input
/// (snapshot JSONL, universe JSON, uv/packse scenario TOML) and writes it to an index tree.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pyresolve/support/result.hpp"

namespace pyresolve::make_index {

/// The core-metadata fields the index publishes for one distribution.
struct core_fields {
  std::vector<std::string> requires_dist;
  std::string requires_python;  ///< empty when unknown
  std::vector<std::string> provides_extras;
};

/// One real wheel filename; `fields` overrides the release's metadata when wheels disagree.
struct wheel_entry {
  std::string filename;
  std::optional<core_fields> fields;
};

struct release {
  std::string version;
  core_fields fields;
  std::vector<wheel_entry> wheels;
  bool sdist = false;
  /// Set when yanked: the reason, possibly empty (PEP 592 allows a yank without reason).
  std::optional<std::string> yanked;
  /// The upload time of its files (microseconds since the Unix epoch, UTC), when the input
  /// gives one (a universe's `upload_time`); else derived (README, "Upload times").
  std::optional<std::int64_t> upload_time;
};

struct project {
  std::string name;  ///< as the input spells it; pages use the PEP 503 normalized form
  std::vector<release> releases;
};

/// Receives each project of an input in input order; a failure stops the read.
using project_visitor = std::function<result<void>(project&&)>;

/// Reads a pypi-deps-db style JSONL file, plain or zstd-compressed (by `.zst` suffix).
/// Versions whose `src` is `unknown` have no metadata and are dropped.
[[nodiscard]] result<void> read_snapshot(const std::string& path, const project_visitor& visit);

/// Reads the peers' universe JSON (`{"packages": {name: {version: {...}}}}`).
/// Each version gets one `py3-none-any` wheel unless it lists `wheels` / `sdist` itself.
[[nodiscard]] result<void> read_universe(const std::string& path, const project_visitor& visit);

/// Reads a uv/packse scenario TOML (`[packages.<name>.versions."<v>"]` tables).
/// `default_requires_python` is packse's default for versions that set none.
[[nodiscard]] result<void> read_scenario(const std::string& path, const std::string& default_requires_python,
                                         const project_visitor& visit);

/// The project name a PEP 508 requirement starts with, normalized; empty if there is none.
[[nodiscard]] std::string requirement_name(std::string_view requirement);

}  // namespace pyresolve::make_index
