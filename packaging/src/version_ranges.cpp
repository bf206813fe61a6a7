#include "pyresolve/packaging/version_ranges.hpp"

#include <algorithm>

#include <boost/container/small_vector.hpp>

#include "detail/version_impl.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {
namespace {

using detail::bound_kind;
using detail::key_view;
using detail::version_access;

// Lower bounds compare with nullopt as -infinity, upper bounds with nullopt as +infinity.
bool lower_less(const std::optional<version>& a, const std::optional<version>& b) {
  if (!a) return b.has_value();
  if (!b) return false;
  return *a < *b;
}
// Whether an interval ending at `upper` reaches (touches or overlaps) one starting at `lower`.
bool reaches(const std::optional<version>& upper, const std::optional<version>& lower) {
  if (!upper || !lower) return true;
  return *lower <= *upper;
}
bool non_empty(const version_interval& i) { return !i.lower || !i.upper || *i.lower < *i.upper; }

interval_list normalize(interval_list in) {
  in.erase(std::remove_if(in.begin(), in.end(), [](const version_interval& i) { return !non_empty(i); }),
           in.end());
  std::sort(in.begin(), in.end(), [](const version_interval& a, const version_interval& b) {
    return lower_less(a.lower, b.lower);
  });
  interval_list out(in.get_allocator());
  for (version_interval& i : in) {
    if (!out.empty() && reaches(out.back().upper, i.lower)) {
      version_interval& last = out.back();
      if (last.upper && (!i.upper || *last.upper < *i.upper)) last.upper = std::move(i.upper);
    } else {
      out.push_back(std::move(i));
    }
  }
  return out;
}

// Release numbers of a bound: inline up to 8 (every real version), so that turning a
// specifier into ranges allocates nothing but the ranges.
using release_numbers = boost::container::small_vector<std::uint64_t, 8>;

// Versions built from components (never from text), for range bounds.
struct parts {
  std::uint64_t epoch = 0;
  release_numbers release{0};
  std::uint8_t pre_rank = 4;
  std::uint64_t pre_number = 0;
  bool has_post = false;
  std::uint64_t post = 0;
  bool has_dev = false;
  std::uint64_t dev = 0;
  bound_kind bound = bound_kind::none;

  static parts of(const version& v) {
    const key_view k = version_access::view(v);
    parts p;
    p.epoch = k.epoch;
    p.release.assign(v.release_size(), 0);
    for (std::size_t i = 0; i < p.release.size(); ++i) p.release[i] = k.release_at(i);
    p.pre_rank = k.pre_rank;
    p.pre_number = k.pre_number;
    p.has_post = k.has_post;
    p.post = k.post;
    p.has_dev = k.has_dev;
    p.dev = k.dev;
    return p;
  }
  [[nodiscard]] bool has_pre() const { return pre_rank >= 1 && pre_rank <= 3; }
  parts& with_dev(std::uint64_t n) {
    has_dev = true;
    dev = n;
    if (!has_pre() && !has_post) pre_rank = 0;
    return *this;
  }
  parts& without_suffix() {
    pre_rank = 4;
    has_post = has_dev = false;
    pre_number = post = dev = 0;
    return *this;
  }
  parts() = default;
  parts(const parts&) = default;
  parts& operator=(const parts&) = default;
  [[nodiscard]] version build() const {
    key_view k;
    k.epoch = epoch;
    k.release = release.data();
    k.release_size = release.size();
    k.pre_rank = pre_rank;
    k.pre_number = pre_number;
    k.has_post = has_post;
    k.post = post;
    k.has_dev = has_dev;
    k.dev = dev;
    k.bound = bound;
    return version_access::build(k, support::default_resource());
  }
};

constexpr std::uint64_t k_max = ~0ULL;

// The lowest version whose release does not start with `release` (same epoch), or the next
// epoch, or nothing: the exclusive end of "release starts with `release`".
std::optional<version> prefix_end(std::uint64_t epoch, release_numbers release) {
  while (!release.empty() && release.back() == k_max) release.pop_back();
  parts p;
  if (release.empty()) {
    if (epoch == k_max) return std::nullopt;
    p.epoch = epoch + 1;
  } else {
    ++release.back();
    p.epoch = epoch;
    p.release = std::move(release);
  }
  p.bound = bound_kind::release_min;
  return p.build();
}

version release_min_of(std::uint64_t epoch, const release_numbers& release) {
  parts p;
  p.epoch = epoch;
  p.release = release;
  p.bound = bound_kind::release_min;
  return p.build();
}

version_ranges interval(std::optional<version> lower, std::optional<version> upper) {
  return version_ranges::between(std::move(lower), std::move(upper));
}

// The versions `Specifier._compare_equal(P, prefix + ".*")` admits, where `q` is the parsed
// `canonicalize_version(prefix, strip_trailing_zero=False)`. Mirrors the token analysis of
// packaging's string algorithm (see prefix_match in specifier.cpp): exact for versions
// without a local label.
version_ranges prefix_ranges(const version& q) {
  const parts p = parts::of(q);
  const std::size_t m = p.release.size();
  const bool has_suffix = p.has_pre() || p.has_post || p.has_dev;
  if (!has_suffix) {
    version_ranges out = interval(release_min_of(p.epoch, p.release), prefix_end(p.epoch, p.release));
    if (p.epoch == 0) {
      // Padding with "0" items makes an all-zero prefix match every version with an epoch.
      if (std::all_of(p.release.begin(), p.release.end(), [](std::uint64_t r) { return r == 0; })) {
        out = out.unite(interval(release_min_of(1, {0}), std::nullopt));
      }
      return out;
    }
    // With an epoch nothing is padded: the written release must be as long as the prefix.
    if (m == 1) {
      // `E!N` followed by a pre-release is one item (`1!1a1`), which never equals `1!1`.
      parts lo = p;
      lo.pre_rank = 1;
      lo.with_dev(0);
      return out.subtract(interval(lo.build(), p.build()));
    }
    if (p.release.back() == 0) {
      parts base = p;
      base.bound = bound_kind::release_max;
      return out.intersect(interval(base.build(), std::nullopt));
    }
    return out;
  }
  if (p.epoch != 0 && m >= 2 && p.release.back() == 0) return {};
  // The release must equal q's and the suffix items must start with q's.
  if (p.has_dev) {
    const version exact = p.build();
    return interval(exact, exact.local_max());
  }
  parts lo = p;
  lo.with_dev(0);
  parts hi = p;
  if (p.has_post) {
    if (p.post == k_max) return interval(lo.build(), p.build().local_max());
    hi.post = p.post + 1;
  } else {
    if (p.pre_number == k_max) return interval(lo.build(), p.build().release_max());
    hi.pre_number = p.pre_number + 1;
  }
  hi.with_dev(0);
  return interval(lo.build(), hi.build());
}

}  // namespace

version_ranges version_ranges::full(std::pmr::memory_resource* memory) {
  version_ranges r(memory);
  r.m_intervals.push_back(version_interval{std::nullopt, std::nullopt});
  return r;
}

version_ranges version_ranges::between(std::optional<version> lower, std::optional<version> upper,
                                       std::pmr::memory_resource* memory) {
  version_ranges r(memory);
  version_interval i{std::move(lower), std::move(upper)};
  if (non_empty(i)) r.m_intervals.push_back(std::move(i));
  return r;
}

version_ranges version_ranges::singleton(const version& v, std::pmr::memory_resource* memory) {
  return between(v, v.just_after(), memory);
}

namespace {
// Where an operation's result goes: its left operand's resource, unless that is the
// default (a set nobody gave a resource, such as an empty "any" term) and the right one's is not.
// "The default" is the one installed at the call: a set built under an earlier default counts
// as given a resource, so the result goes to that one, which must outlive the set anyway.
std::pmr::memory_resource* result_resource(const version_ranges& left, const version_ranges& right) noexcept {
  std::pmr::memory_resource* const l = left.resource();
  std::pmr::memory_resource* const r = right.resource();
  if (l == r) return l;  // the usual case, without asking for the default
  return l == support::default_resource() ? r : l;
}
}  // namespace

bool version_ranges::is_full() const noexcept {
  return m_intervals.size() == 1 && !m_intervals[0].lower && !m_intervals[0].upper;
}

bool version_ranges::contains(const version& v) const noexcept {
  // First interval whose upper bound is above v; intervals are sorted and disjoint.
  auto it = std::partition_point(m_intervals.begin(), m_intervals.end(),
                                 [&](const version_interval& i) { return i.upper && *i.upper <= v; });
  return it != m_intervals.end() && (!it->lower || *it->lower <= v);
}

version_ranges version_ranges::complement() const {
  version_ranges out(resource());
  std::optional<version> cursor;  // -infinity
  bool from_start = true;
  for (const version_interval& i : m_intervals) {
    if (i.lower) out.m_intervals.push_back(version_interval{from_start ? std::nullopt : cursor, i.lower});
    if (!i.upper) return out;
    cursor = i.upper;
    from_start = false;
  }
  out.m_intervals.push_back(version_interval{from_start ? std::nullopt : cursor, std::nullopt});
  return out;
}

version_ranges version_ranges::intersect(const version_ranges& other) const {
  version_ranges out(result_resource(*this, other));
  std::size_t a = 0;
  std::size_t b = 0;
  while (a < m_intervals.size() && b < other.m_intervals.size()) {
    const version_interval& x = m_intervals[a];
    const version_interval& y = other.m_intervals[b];
    version_interval i{lower_less(x.lower, y.lower) ? y.lower : x.lower, std::nullopt};
    const bool x_ends_first = x.upper && (!y.upper || *x.upper < *y.upper);
    i.upper = x_ends_first ? x.upper : y.upper;
    if (non_empty(i)) out.m_intervals.push_back(std::move(i));
    if (x_ends_first) {
      ++a;
    } else {
      ++b;
    }
  }
  return out;
}

version_ranges version_ranges::unite(const version_ranges& other) const {
  version_ranges out(result_resource(*this, other));
  interval_list all(out.m_intervals.get_allocator());
  all.reserve(m_intervals.size() + other.m_intervals.size());
  all.insert(all.end(), m_intervals.begin(), m_intervals.end());
  all.insert(all.end(), other.m_intervals.begin(), other.m_intervals.end());
  out.m_intervals = normalize(std::move(all));
  return out;
}

namespace {

// `prefix + text`, spelled out: GCC 12 warns (-Wrestrict, a false positive) on
// `const char* + std::string` when inlined.
std::string cat(const char* prefix, const std::string& text) {
  std::string out(prefix);
  out += text;
  return out;
}

// A bound in PEP 440 words; sentinels that stand for a plain version are shown as one.
std::string lower_text(const version& v) {
  const key_view k = version_access::view(v);
  if (k.bound == bound_kind::release_min) {
    return cat(">=", parts::of(v).with_dev(0).build().to_string());
  }
  // `>X` in PEP 440 excludes X's post-releases: exactly the versions above X.release_max.
  if (k.bound == bound_kind::release_max) return cat(">", parts::of(v).build().to_string());
  if (k.local_max || k.after) {
    std::string s = v.to_string();
    return cat(">", s.substr(0, s.rfind(k.after && !k.local_max ? (k.local_size != 0 ? ".next" : "+next")
                                                                : "+max")));
  }
  return cat(">=", v.to_string());
}

std::string upper_text(const version& v) {
  const key_view k = version_access::view(v);
  // `<X` in PEP 440 excludes X's pre-releases: exactly the versions below X.release_min.
  if (k.bound == bound_kind::release_min) return cat("<", parts::of(v).build().to_string());
  if (k.local_max || k.after) {
    std::string s = v.to_string();
    return cat("<=", s.substr(0, s.rfind(k.after && !k.local_max ? (k.local_size != 0 ? ".next" : "+next")
                                                                 : "+max")));
  }
  return cat("<", v.to_string());
}

}  // namespace

std::string version_ranges::to_string() const {
  if (m_intervals.empty()) return "∅";
  std::string out;
  for (std::size_t n = 0; n < m_intervals.size(); ++n) {
    if (n != 0) out += " | ";
    const version_interval& i = m_intervals[n];
    if (!i.lower && !i.upper) {
      out += '*';
      continue;
    }
    if (i.lower && i.upper && !i.lower->is_sentinel()) {
      if (*i.upper == i.lower->local_max() && !i.lower->has_local()) {
        out += "==" + i.lower->to_string();
        continue;
      }
      if (*i.upper == i.lower->just_after()) {
        // Exactly one version (its local variants excluded): `===` would be the precise
        // spelling, but messages read as users write pins, and uv prints `==` here too.
        out += "==" + i.lower->to_string();
        continue;
      }
    }
    if (i.lower && i.upper && version_access::view(*i.lower).bound == bound_kind::release_min) {
      const parts p = parts::of(*i.lower);
      const std::optional<version> end = prefix_end(p.epoch, p.release);
      if (end && *end == *i.upper) {
        out += "==" + parts(p).build().to_string() + ".*";
        continue;
      }
    }
    if (i.lower) out += lower_text(*i.lower);
    if (i.lower && i.upper) out += ", ";
    if (i.upper) out += upper_text(*i.upper);
  }
  return out;
}

version_ranges specifier::to_ranges() const {
  const version& s = m_version;
  switch (m_op) {
    case spec_op::greater_equal:
      return version_ranges::between(s, std::nullopt);
    case spec_op::less_equal:
      return version_ranges::between(std::nullopt, s.local_max());
    case spec_op::equal:
    case spec_op::not_equal: {
      version_ranges r;
      if (m_wildcard) {
        r = prefix_ranges(s);
      } else if (s.has_local()) {
        r = version_ranges::singleton(s);
      } else {
        r = version_ranges::between(s, s.local_max());
      }
      return m_op == spec_op::equal ? r : r.complement();
    }
    case spec_op::less: {
      if (s.is_prerelease()) return version_ranges::between(std::nullopt, s);
      // Pre- and dev releases of the spec's own release are excluded, so below S only the
      // final release and the post-releases (without .dev) of that release remain.
      parts base = parts::of(s);
      base.without_suffix();
      const version final_release = base.build();
      version_ranges r = version_ranges::between(std::nullopt, s.release_min());
      if (!s.is_postrelease()) return r;
      r = r.unite(version_ranges::between(final_release, final_release.local_max()));
      const std::uint64_t limit = *s.post();
      // One interval per earlier post-release; beyond the cap they are merged (see header).
      constexpr std::uint64_t k_cap = 256;
      if (limit > k_cap) return r.unite(version_ranges::between(final_release, s));
      for (std::uint64_t n = 0; n < limit; ++n) {
        parts p = base;
        p.has_post = true;
        p.post = n;
        const version v = p.build();
        r = r.unite(version_ranges::between(v, v.local_max()));
      }
      return r;
    }
    case spec_op::greater: {
      if (s.is_postrelease()) return version_ranges::between(s.local_max(), std::nullopt);
      parts base = parts::of(s);
      base.without_suffix();
      const version final_release = base.build();
      version_ranges r = version_ranges::between(final_release.release_max(), std::nullopt);
      // For a pre-release spec, the pre-releases above it up to the final release (their
      // post-releases cannot be cut out with finitely many intervals; see header).
      if (s.is_prerelease()) r = r.unite(version_ranges::between(s.local_max(), final_release.just_after()));
      return r;
    }
    case spec_op::compatible: {
      auto prefix = version::parse(detail::compatible_prefix(m_text));
      version_ranges r = version_ranges::between(s, std::nullopt);
      if (!prefix) return {};
      return r.intersect(prefix_ranges(*prefix));
    }
    case spec_op::arbitrary_equal: {
      // Only the normalized spelling can match; 1.0 and 1.0.0 are one version here (see header).
      auto parsed = version::parse(m_text);
      if (!parsed) return {};
      std::string lowered(m_text);
      for (char& c : lowered) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      if (parsed->to_string() != lowered) return {};
      return version_ranges::singleton(*parsed);
    }
  }
  return {};
}

version_ranges specifier_set::to_ranges() const {
  version_ranges r = version_ranges::full();
  for (const specifier& s : m_specs) r = r.intersect(s.to_ranges());
  return r;
}

}  // namespace pyresolve::packaging
