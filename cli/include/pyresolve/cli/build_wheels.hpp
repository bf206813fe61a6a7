#pragma once
/// @file
/// The wheels of a build environment (`index::build_options::wheels_for`): build requirements
/// resolved against the run's indexes and cache, wheels only, and fetched into
/// `<cache>/build-v1/wheels/` (a local index's files are used where they are).

#include <filesystem>
#include <memory>
#include <vector>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/resolver/index_stack.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

class build_wheels {
 public:
  /// `options`: the run's index stack options; sdists are turned off here. The stack is opened
  /// on the first call. `constraints` (`-b` files) narrow every build environment.
  explicit build_wheels(resolver::index_stack_options options,
                        std::vector<packaging::requirement> constraints = {});

  /// The wheel files of the resolution of `requirements` for the options' environment.
  [[nodiscard]] result<std::vector<std::filesystem::path>> operator()(
      const std::vector<packaging::requirement>& requirements);

 private:
  result<std::filesystem::path> fetch(const index::version_file& file);

  resolver::index_stack_options m_options;
  std::vector<packaging::requirement> m_constraints;
  std::filesystem::path m_wheels;
  std::unique_ptr<resolver::index_stack> m_stack;
};

}  // namespace pyresolve::cli
