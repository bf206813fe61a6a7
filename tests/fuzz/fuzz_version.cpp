// libFuzzer target: version parsing. On success, printing reparses to an equal version in
// both representations, the order is consistent, and sentinels bracket the version.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pyresolve/packaging/version.hpp"

using pyresolve::packaging::version;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
int sign(std::strong_ordering o) { return o < 0 ? -1 : (o > 0 ? 1 : 0); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = version::parse(text);
  auto heap = pyresolve::packaging::detail::parse_unpacked(text);
  require(v.has_value() == heap.has_value());
  if (!v) {
    require(v.error().column >= 1 && v.error().column <= size + 1);
    return 0;
  }
  const std::string s = v->to_string();
  require(heap->to_string() == s);
  require(*v == *heap && v->hash() == heap->hash());
  auto again = version::parse(s);
  require(again.has_value());
  require(*again == *v && again->to_string() == s && again->hash() == v->hash());
  require(v->release_min() < *v && *v < v->release_max());
  require(*v < v->just_after() && v->public_version() <= *v && *v < v->local_max());
  require(v->base_version() <= v->release_max());
  // Compare with a fixed set of neighbours: antisymmetry and packed/general agreement.
  for (const char* other : {"0", "1.0", "1.0a1", "1.0.post1", "1!0", "1.0+a", "2.0.dev3", "1.0.0.0.0.1"}) {
    const version o = *version::parse(other);
    const version oh = *pyresolve::packaging::detail::parse_unpacked(other);
    const int c = sign(*v <=> o);
    require(sign(o <=> *v) == -c);
    require(sign(*heap <=> oh) == c && sign(*v <=> oh) == c && sign(*heap <=> o) == c);
    if (v->is_packed() && o.is_packed()) require(sign(v->packed_key() <=> o.packed_key()) == c);
  }
  return 0;
}
