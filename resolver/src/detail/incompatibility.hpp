#pragma once
// PubGrub's incompatibilities: sets of terms that cannot all hold, each with its cause (an
// external fact, or derived from two earlier incompatibilities during conflict resolution).

#include <cstdint>
#include <memory_resource>
#include <string>
#include <utility>
#include <vector>

#include "term.hpp"

namespace pyresolve::resolver::detail {

using pkg_id = std::uint32_t;
using incompat_id = std::uint32_t;
constexpr incompat_id no_cause = UINT32_MAX;
constexpr pkg_id root_id = 0;

enum class cause_kind : std::uint8_t { root, no_versions, unavailable, dependency, derived };

struct incompat {
  std::pmr::vector<std::pair<pkg_id, term>> terms;
  cause_kind kind = cause_kind::derived;
  incompat_id cause1 = no_cause;
  incompat_id cause2 = no_cause;
  std::pmr::string reason;  // unavailable: why
  bool indexed = false;

  explicit incompat(std::pmr::memory_resource* m) : terms(m), reason(m) {}
};

/// Whether `inc` says the root cannot be used (or holds no term): a failure's last step.
inline bool is_terminal(const incompat& inc) {
  if (inc.terms.empty()) return true;
  return inc.terms.size() == 1 && inc.terms.front().first == root_id && inc.terms.front().second.positive;
}

}  // namespace pyresolve::resolver::detail
