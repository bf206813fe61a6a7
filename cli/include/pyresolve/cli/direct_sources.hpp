#pragma once
/// @file
/// Reads the direct sources of a run (`user_input::directs`) before the resolve: each one's
/// metadata, then those its metadata requires by URL, and gives the resolver one package per
/// name.

#include <map>
#include <string>
#include <vector>

#include "pyresolve/cli/inputs.hpp"
#include "pyresolve/index/direct_source.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/resolver/direct_provider.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// The direct sources of a run, read.
struct direct_set {
  std::vector<resolver::direct_package> packages;             ///< sorted by name
  std::map<std::string, index::direct_distribution> by_name;  ///< by normalized name
};

/// The most direct sources one run reads, its own and those they require.
inline constexpr std::size_t max_direct_sources = 1000;

/// Reads every source of `input.directs`, and recursively every `name @ url` their metadata
/// requires (relative paths against the requiring project's folder). An unnamed entry's
/// requirement (`name[extras] ; marker`) is added to `input.requirements`. Errors name the
/// file and line that gave the source: a source that cannot be read, a `name @ url` whose
/// metadata names another project, two different sources for one name ("conflicting").
[[nodiscard]] result<direct_set> read_direct_sources(user_input& input, index::index_client& client,
                                                     const index::direct_source_options& options,
                                                     const packaging::target_environment& environment);

}  // namespace pyresolve::cli
