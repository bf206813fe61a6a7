// libFuzzer target: specifier and specifier-set parsing. On success, printing reparses to the
// same text, and the ranges agree with `contains` on a few versions derived from the operand.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pyresolve/packaging/specifier.hpp"

using namespace pyresolve::packaging;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto set = specifier_set::parse(text);
  if (!set) {
    require(set.error().column <= size + 1);
    return 0;
  }
  const std::string printed = set->to_string();
  auto again = specifier_set::parse(printed);
  require(again.has_value() && again->to_string() == printed);
  const version_ranges ranges = set->to_ranges();
  require(ranges.complement().complement() == ranges);
  (void)ranges.to_string();
  for (const specifier& s : set->specifiers()) {
    const version& o = s.operand();
    const version_ranges r = s.to_ranges();
    (void)s.implies_prereleases();
    const std::string base = o.base_version().to_string();
    for (const std::string& probe : {o.to_string(), base, base + ".post1", base + "a1", base + ".dev0",
                                     base + ".1", std::string("0"), std::string("1!1.0")}) {
      auto v = version::parse(probe);
      if (!v) continue;
      const bool c = s.contains(*v, true);
      (void)set->contains(*v);
      if (s.op() == spec_op::arbitrary_equal || v->has_local()) continue;
      if (s.op() == spec_op::greater && o.is_prerelease() && !o.is_postrelease() && v->pre() &&
          v->is_postrelease())
        continue;                                                           // documented approximation
      if (s.op() == spec_op::less && o.post().value_or(0) > 256) continue;  // documented approximation
      require(r.contains(*v) == c);
    }
  }
  return 0;
}
