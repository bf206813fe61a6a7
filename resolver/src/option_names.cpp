// The command-line spellings of the solver's options, shared by `resolve` and the tools so
// that one table decides what each name means.
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::resolver {

std::optional<resolution_strategy> resolution_strategy_named(std::string_view name) noexcept {
  if (name == "highest") return resolution_strategy::highest;
  if (name == "lowest") return resolution_strategy::lowest;
  if (name == "lowest-direct") return resolution_strategy::lowest_direct;
  return std::nullopt;
}

std::optional<prerelease_mode> prerelease_mode_named(std::string_view name) noexcept {
  if (name == "if-necessary-or-explicit") return prerelease_mode::if_necessary_or_explicit;
  if (name == "allow") return prerelease_mode::allow;
  if (name == "disallow") return prerelease_mode::disallow;
  if (name == "explicit") return prerelease_mode::explicit_only;
  if (name == "if-necessary") return prerelease_mode::if_necessary;
  return std::nullopt;
}

}  // namespace pyresolve::resolver
