#include "pyresolve/packaging/version.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "detail/version_impl.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {
namespace detail {
static bool is_ascii_space(unsigned char c) noexcept {
  // Python's str.isspace() for code points below 0x80.
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

// Length of a whitespace character (as Python's `\s` sees the decoded text) at `s[i]`, or 0.
std::size_t space_length(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return is_ascii_space(c) ? 1 : 0;
  auto at = [&](std::size_t j) { return j < s.size() ? static_cast<unsigned char>(s[j]) : 0U; };
  if (c == 0xC2 && (at(i + 1) == 0x85 || at(i + 1) == 0xA0)) return 2;
  if (c == 0xE1 && at(i + 1) == 0x9A && at(i + 2) == 0x80) return 3;
  if (c == 0xE2 && at(i + 1) == 0x80) {
    const unsigned d = at(i + 2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && at(i + 1) == 0x81 && at(i + 2) == 0x9F) return 3;
  if (c == 0xE3 && at(i + 1) == 0x80 && at(i + 2) == 0x80) return 3;
  return 0;
}

std::string_view strip(std::string_view s) noexcept {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const std::size_t n = space_length(s, begin);
    if (n == 0) break;
    begin += n;
  }
  std::size_t end = begin;
  for (std::size_t i = begin; i < s.size();) {
    const std::size_t n = space_length(s, i);
    if (n == 0) {
      ++i;
      end = i;
    } else {
      i += n;
    }
  }
  return s.substr(begin, end - begin);
}

namespace {

// Packed layout, most significant bits first:
//   release[0] | release[1] | release[2] | release[3] | suffix kind (3 bits) | suffix number
// Widths chosen by measuring the 3.96M version strings of pypi-deps-db (2023-09) with
// benches/version_layout.py; see packaging/README.md ("Version representation"). Of the
// 3,952,126 valid versions, 97.996% have a packable shape (epoch 0, at most 4 non-zero-padded
// release segments, at most one of pre/post/dev, no local label); with field widths
// 14/12/16/8 + 3 + 11 bits, 95.086% pack (best of the grid searched; uv-like 16/16/16/8 + 3 + 5
// packs 94.197%, 16/12/16/8 + 3 + 9 packs 94.953%). The rest are numbers too wide for any
// reasonable field, e.g. date-like majors
// such as 20230901, and long dev numbers, which no 64-bit layout holds.
constexpr std::array<unsigned, 4> k_release_bits{14, 12, 16, 8};
constexpr unsigned k_kind_bits = 3;
constexpr unsigned k_number_bits =
    64 - k_kind_bits - k_release_bits[0] - k_release_bits[1] - k_release_bits[2] - k_release_bits[3];
static_assert(k_number_bits >= 1 && k_number_bits < 32);

constexpr std::array<unsigned, 4> release_shifts() {
  std::array<unsigned, 4> shifts{};
  unsigned shift = 64;
  for (std::size_t i = 0; i < 4; ++i) {
    shift -= k_release_bits[i];
    shifts[i] = shift;
  }
  return shifts;
}
constexpr std::array<unsigned, 4> k_release_shift = release_shifts();
constexpr unsigned k_kind_shift = k_number_bits;

// Suffix kinds, in PEP 440 order among versions sharing a release.
enum packed_kind : std::uint64_t {
  kind_release_min = 0,
  kind_dev = 1,
  kind_alpha = 2,
  kind_beta = 3,
  kind_rc = 4,
  kind_final = 5,
  kind_post = 6,
  kind_release_max = 7,
};

// The version "0": release {0}, final.
constexpr std::uint64_t k_zero_key = std::uint64_t{kind_final} << k_kind_shift;
constexpr std::uintptr_t k_zero_aux = (1U << 1) | 1U;

constexpr std::uint64_t mask(unsigned bits) noexcept { return bits >= 64 ? ~0ULL : ((1ULL << bits) - 1); }

// Returns the packed key of `k`, or false if it does not fit.
bool try_pack(const key_view& k, std::uint64_t& key) noexcept {
  if (k.epoch != 0 || k.has_local()) return false;
  // The sentinels just after a final release and after all its local versions are packed too
  // (kind final, number 1 and 2: a real final release always has number 0, and no packed
  // version lies between them), because every singleton range and every `<=`/`==` bound is
  // one of them and the solver compares bounds far more often than versions.
  std::uint64_t final_number = 0;
  if (k.local_max || k.after) {
    if ((k.local_max && k.after) || k.bound != bound_kind::none || k.has_pre() || k.has_post || k.has_dev) {
      return false;
    }
    final_number = k.after ? 1 : 2;
  }
  for (std::size_t i = 4; i < k.release_size; ++i) {
    if (k.release[i] != 0) return false;
  }
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t r = k.release_at(i);
    if (r > mask(k_release_bits[i])) return false;
    out |= r << k_release_shift[i];
  }
  std::uint64_t kind = kind_final;
  std::uint64_t number = final_number;
  if (k.bound == bound_kind::release_min) {
    kind = kind_release_min;
  } else if (k.bound == bound_kind::release_max) {
    kind = kind_release_max;
  } else {
    const int count = int{k.has_pre()} + int{k.has_post} + int{k.has_dev};
    if (count > 1) return false;
    if (k.has_pre()) {
      kind = kind_alpha + (k.pre_rank - 1U);
      number = k.pre_number;
    } else if (k.has_post) {
      kind = kind_post;
      number = k.post;
    } else if (k.has_dev) {
      kind = kind_dev;
      number = k.dev;
    }
  }
  if (number > mask(k_number_bits)) return false;
  key = out | (kind << k_kind_shift) | number;
  return true;
}

void unpack(std::uint64_t key, std::size_t release_size, key_view& k) noexcept {
  for (std::size_t i = 0; i < 4; ++i)
    k.inline_release[i] = (key >> k_release_shift[i]) & mask(k_release_bits[i]);
  k.release = k.inline_release.data();
  // Segments beyond the fourth of a packed version are zeros; padding gives them.
  k.release_size = std::min<std::size_t>(release_size, 4);
  k.written_release_size = release_size;
  const std::uint64_t kind = (key >> k_kind_shift) & mask(k_kind_bits);
  const std::uint64_t number = key & mask(k_number_bits);
  switch (kind) {
    case kind_release_min:
      k.bound = bound_kind::release_min;
      break;
    case kind_release_max:
      k.bound = bound_kind::release_max;
      break;
    case kind_dev:
      k.pre_rank = 0;
      k.has_dev = true;
      k.dev = number;
      break;
    case kind_alpha:
    case kind_beta:
    case kind_rc:
      k.pre_rank = static_cast<std::uint8_t>(kind - kind_alpha + 1);
      k.pre_number = number;
      break;
    case kind_post:
      k.has_post = true;
      k.post = number;
      break;
    default:
      k.after = number == 1;
      k.local_max = number == 2;
      break;
  }
}

template <class T>
int cmp(const T& a, const T& b) noexcept {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_local(const key_view& a, const key_view& b) noexcept {
  if (a.local_max != b.local_max) return a.local_max ? 1 : -1;
  if (a.local_max) return 0;
  const std::size_t n = std::min(a.local_size, b.local_size);
  for (std::size_t i = 0; i < n; ++i) {
    const stored_local& x = a.local[i];
    const stored_local& y = b.local[i];
    if (x.is_number != y.is_number) return x.is_number ? 1 : -1;  // text sorts before numbers
    if (x.is_number) {
      if (int c = cmp(x.number, y.number)) return c;
    } else {
      const std::string_view xs(a.local_text + x.offset, x.length);
      const std::string_view ys(b.local_text + y.offset, y.length);
      if (int c = xs.compare(ys)) return c < 0 ? -1 : 1;
    }
  }
  return cmp(a.local_size, b.local_size);
}

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum_ci(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_sep(char c) noexcept { return c == '.' || c == '-' || c == '_'; }

// Parser state: positions index into the trimmed text; columns are reported 1-based in
// the original text.
struct parser {
  std::string_view text;  // whole input
  std::size_t pos = 0;    // current position in `text`
  std::size_t end = 0;    // end of the content (trailing whitespace excluded)
  std::array<std::uint64_t, 16> inline_release{};
  std::vector<std::uint64_t> spill_release;  // only for versions of more than 16 segments
  std::size_t release_size = 0;
  key_view key;
  std::size_t local_begin = 0, local_end = 0;
  const char* error_what = nullptr;
  std::size_t error_pos = 0;

  bool fail_at(std::size_t at, const char* what) noexcept {
    if (error_what == nullptr) {
      error_what = what;
      error_pos = at;
    }
    return false;
  }
  [[nodiscard]] char peek(std::size_t off = 0) const noexcept {
    return pos + off < end ? text[pos + off] : '\0';
  }

  // Case-insensitive match of a lowercase word at `at`.
  [[nodiscard]] bool word_at(std::size_t at, std::string_view word) const noexcept {
    if (at + word.size() > end) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (lower(text[at + i]) != word[i]) return false;
    }
    return true;
  }

  bool number(std::uint64_t& out) noexcept {
    const std::size_t start = pos;
    std::uint64_t value = 0;
    while (pos < end && is_digit(text[pos])) {
      const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
      if (value > (~0ULL - digit) / 10) return fail_at(start, "number too large (at most 2^64-1)");
      value = value * 10 + digit;
      ++pos;
    }
    out = value;
    return true;
  }

  void push_release(std::uint64_t n) {
    if (release_size < inline_release.size()) {
      inline_release[release_size] = n;
    } else {
      if (spill_release.empty()) spill_release.assign(inline_release.begin(), inline_release.end());
      spill_release.push_back(n);
    }
    ++release_size;
  }

  // Optional `[-_.]?` followed by `[0-9]+`; returns whether digits were read (the separator
  // is consumed even when no digits follow, as the regex's greedy match does).
  bool optional_number(bool& present, std::uint64_t& n) noexcept {
    if (is_sep(peek())) ++pos;
    present = is_digit(peek());
    n = 0;
    if (present) return number(n);
    return true;
  }

  bool run() {
    const std::string_view content = strip(text);
    pos = static_cast<std::size_t>(content.data() - text.data());
    end = pos + content.size();
    if (pos >= end) return fail_at(pos, "expected a version, found nothing");
    if (lower(peek()) == 'v') ++pos;
    if (!is_digit(peek())) return fail_at(pos, "expected a digit to start the release number");

    // Epoch: digits followed by '!'.
    {
      std::size_t i = pos;
      while (i < end && is_digit(text[i])) ++i;
      if (i < end && text[i] == '!') {
        if (!number(key.epoch)) return false;
        ++pos;
        if (!is_digit(peek())) return fail_at(pos, "expected a release number after the epoch '!'");
      }
    }
    // Release.
    for (;;) {
      std::uint64_t n = 0;
      if (!number(n)) return false;
      push_release(n);
      if (peek() == '.' && is_digit(peek(1))) {
        ++pos;
        continue;
      }
      break;
    }
    // Pre-release.
    {
      const std::size_t save = pos;
      if (is_sep(peek())) ++pos;
      static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 8> labels{
          {{"preview", 3}, {"alpha", 1}, {"beta", 2}, {"pre", 3}, {"rc", 3}, {"a", 1}, {"b", 2}, {"c", 3}}};
      bool found = false;
      for (const auto& [word, rank] : labels) {
        if (word_at(pos, word)) {
          pos += word.size();
          key.pre_rank = rank;
          found = true;
          break;
        }
      }
      if (found) {
        bool present = false;
        if (!optional_number(present, key.pre_number)) return false;
      } else {
        pos = save;
      }
    }
    // Post-release: `-N` or `[-_.]?(post|rev|r)[-_.]?N?`.
    {
      const std::size_t save = pos;
      if (peek() == '-' && is_digit(peek(1))) {
        ++pos;
        key.has_post = true;
        if (!number(key.post)) return false;
      } else {
        if (is_sep(peek())) ++pos;
        bool found = false;
        for (std::string_view word :
             {std::string_view("post"), std::string_view("rev"), std::string_view("r")}) {
          if (word_at(pos, word)) {
            pos += word.size();
            found = true;
            break;
          }
        }
        if (found) {
          key.has_post = true;
          bool present = false;
          if (!optional_number(present, key.post)) return false;
        } else {
          pos = save;
        }
      }
    }
    // Development release.
    {
      const std::size_t save = pos;
      if (is_sep(peek())) ++pos;
      if (word_at(pos, "dev")) {
        pos += 3;
        key.has_dev = true;
        bool present = false;
        if (!optional_number(present, key.dev)) return false;
      } else {
        pos = save;
      }
    }
    if (!key.has_pre() && !key.has_post && key.has_dev) key.pre_rank = 0;
    // Local label.
    if (peek() == '+') {
      ++pos;
      local_begin = pos;
      for (;;) {
        if (!is_alnum_ci(peek())) return fail_at(pos, "expected a letter or digit in the local label");
        while (is_alnum_ci(peek())) ++pos;
        if (is_sep(peek())) {
          ++pos;
          continue;
        }
        break;
      }
      local_end = pos;
    }
    if (pos != end) {
      if (local_end != 0) return fail_at(pos, "expected the end of the version after the local label");
      return fail_at(pos,
                     "expected a pre-release (a, b, rc), post-release (.post), dev-release (.dev), "
                     "local label (+) or the end of the version");
    }
    return true;
  }
};

result<version> parse_impl(std::string_view text, std::pmr::memory_resource* memory, bool force_heap) {
  parser p;
  p.text = text;
  if (!p.run()) {
    const auto column = static_cast<std::uint32_t>(p.error_pos + 1);
    return fail(
        errc::invalid_version,
        "invalid version '" + excerpt(text) + "': " + p.error_what + " at column " + std::to_string(column),
        column);
  }
  key_view& k = p.key;
  k.release = p.spill_release.empty() ? p.inline_release.data() : p.spill_release.data();
  k.release_size = p.release_size;
  // Local segments are only materialized for the heap form, so the packed path never allocates.
  if (p.local_end == 0) return version_access::build(k, memory, force_heap);

  const std::string_view local = text.substr(p.local_begin, p.local_end - p.local_begin);
  std::size_t count = 1;
  for (char c : local) count += is_sep(c) ? 1 : 0;
  std::vector<stored_local> segments;
  segments.reserve(count);
  std::string buffer;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= local.size(); ++i) {
    if (i != local.size() && !is_sep(local[i])) continue;
    const std::string_view part = local.substr(start, i - start);
    stored_local seg{};
    seg.is_number = std::all_of(part.begin(), part.end(), is_digit);
    if (seg.is_number) {
      std::uint64_t value = 0;
      for (char c : part) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (~0ULL - digit) / 10) {
          const auto column = static_cast<std::uint32_t>(p.local_begin + start + 1);
          return fail(errc::invalid_version,
                      "invalid version '" + excerpt(text) +
                          "': number too large (at most 2^64-1) in the local label at column " +
                          std::to_string(column),
                      column);
        }
        value = value * 10 + digit;
      }
      seg.number = value;
    } else {
      seg.offset = static_cast<std::uint32_t>(buffer.size());
      seg.length = static_cast<std::uint32_t>(part.size());
      for (char c : part) buffer += lower(c);
    }
    segments.push_back(seg);
    start = i + 1;
  }
  k.local = segments.data();
  k.local_size = segments.size();
  k.local_text = buffer.data();
  return version_access::build(k, memory, true);
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  char* p = buf + sizeof(buf);
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof(buf) - p));
}

constexpr const char* k_pre_names[] = {"", "a", "b", "rc"};

// Appends epoch and release; `strip` drops trailing zero segments as canonicalize_version.
void append_release(const key_view& k, std::string& out, bool strip) {
  if (k.epoch != 0) {
    append_number(out, k.epoch);
    out += '!';
  }
  std::size_t n = k.release_size;
  if (strip) {
    while (n > 1 && k.release[n - 1] == 0) --n;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += '.';
    append_number(out, k.release[i]);
  }
}

void append_suffixes(const key_view& k, std::string& out) {
  if (k.has_pre()) {
    out += k_pre_names[k.pre_rank];
    append_number(out, k.pre_number);
  }
  if (k.has_post) {
    out += ".post";
    append_number(out, k.post);
  }
  if (k.has_dev) {
    out += ".dev";
    append_number(out, k.dev);
  }
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}
std::uint64_t finalize(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

version_block* version_block::create(std::pmr::memory_resource* memory, std::size_t release_size,
                                     std::size_t local_size, std::size_t text_size) {
  const std::size_t size = sizeof(version_block) + release_size * sizeof(std::uint64_t) +
                           local_size * sizeof(stored_local) + text_size;
  void* raw = memory->allocate(size, alignof(version_block));
  auto* block = new (raw) version_block();
  block->memory = memory;
  block->alloc_size = size;
  block->release_size = static_cast<std::uint32_t>(release_size);
  block->local_size = static_cast<std::uint32_t>(local_size);
  block->text_size = static_cast<std::uint32_t>(text_size);
  return block;
}

void version_block::release_ref(version_block* block) noexcept {
  if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::pmr::memory_resource* memory = block->memory;
    const std::size_t size = block->alloc_size;
    block->~version_block();
    memory->deallocate(block, size, alignof(version_block));
  }
}

key_view version_access::view(const version& v) noexcept {
  key_view k;
  if (v.is_packed()) {
    unpack(v.m_key, static_cast<std::size_t>(v.m_aux >> 1), k);
    return k;
  }
  const version_block* b = block(v);
  k.epoch = b->epoch;
  k.release = b->release_data();
  k.release_size = b->release_size;
  k.bound = b->bound;
  k.pre_rank = b->pre_rank;
  k.pre_number = b->pre_number;
  k.has_post = b->has_post;
  k.post = b->post;
  k.has_dev = b->has_dev;
  k.dev = b->dev;
  k.local = b->local_data();
  k.local_size = b->local_size;
  k.local_text = b->text_data();
  k.local_max = b->local_max;
  k.after = b->after;
  return k;
}

version version_access::build(const key_view& k, std::pmr::memory_resource* memory, bool force_heap) {
  version v;
  std::uint64_t key = 0;
  const std::size_t written = std::max(k.release_size, k.written_release_size);
  if (!force_heap && try_pack(k, key)) {
    v.m_key = key;
    v.m_aux = (static_cast<std::uintptr_t>(written) << 1) | 1U;
    return v;
  }
  std::size_t text_size = 0;
  for (std::size_t i = 0; i < k.local_size; ++i) {
    if (!k.local[i].is_number)
      text_size = std::max<std::size_t>(text_size, k.local[i].offset + k.local[i].length);
  }
  version_block* b = version_block::create(memory, written, k.local_size, text_size);
  b->epoch = k.epoch;
  std::copy_n(k.release, k.release_size, b->release_data());
  std::fill(b->release_data() + k.release_size, b->release_data() + written, std::uint64_t{0});
  b->bound = k.bound;
  b->pre_rank = k.pre_rank;
  b->pre_number = k.pre_number;
  b->has_post = k.has_post;
  b->post = k.post;
  b->has_dev = k.has_dev;
  b->dev = k.dev;
  std::copy_n(k.local, k.local_size, b->local_data());
  if (text_size != 0) std::memcpy(b->text_data(), k.local_text, text_size);
  b->local_max = k.local_max;
  b->after = k.after;
  v.m_key = 0;
  v.m_aux = reinterpret_cast<std::uintptr_t>(b);
  return v;
}

// The order after epoch and release: sentinel, pre, post, dev. Shared by decoded views and
// heap blocks, which name these members alike. nullopt means "equal so far: compare locals".
template <class A, class B>
std::optional<int> compare_suffixes(const A& a, const B& b) noexcept {
  if (a.bound != b.bound || a.bound != bound_kind::none) {
    return cmp(static_cast<int>(a.bound), static_cast<int>(b.bound));
  }
  if (int c = cmp(a.pre_rank, b.pre_rank)) return c;
  if (int c = cmp(a.pre_number, b.pre_number)) return c;
  if (int c = cmp(a.has_post, b.has_post)) return c;
  if (int c = cmp(a.post, b.post)) return c;
  if (int c = cmp(!a.has_dev, !b.has_dev)) return c;  // no dev sorts last
  if (int c = cmp(a.dev, b.dev)) return c;
  return std::nullopt;
}

int compare_views(const key_view& a, const key_view& b) noexcept {
  if (int c = cmp(a.epoch, b.epoch)) return c;
  const std::size_t n = std::max(a.release_size, b.release_size);
  for (std::size_t i = 0; i < n; ++i) {
    if (int c = cmp(a.release_at(i), b.release_at(i))) return c;
  }
  if (auto c = compare_suffixes(a, b)) return *c;
  if (int c = compare_local(a, b)) return c;
  return cmp(a.after, b.after);
}

void append_canonical(const version& v, std::string& out, bool strip_trailing_zero, bool with_local) {
  const key_view k = version_access::view(v);
  append_release(k, out, strip_trailing_zero);
  append_suffixes(k, out);
  if (with_local && k.local_size != 0) {
    out += '+';
    for (std::size_t i = 0; i < k.local_size; ++i) {
      if (i != 0) out += '.';
      const stored_local& s = k.local[i];
      if (s.is_number) {
        append_number(out, s.number);
      } else {
        out.append(k.local_text + s.offset, s.length);
      }
    }
  }
}

result<version> parse_unpacked(std::string_view text, std::pmr::memory_resource* memory) {
  return parse_impl(text, memory, true);
}

bool is_version(std::string_view text) {
  parser p;
  p.text = text;
  return p.run();
}

}  // namespace detail

using detail::key_view;
using detail::version_access;

// A moved-from version is "0", like a default-constructed one.
version::version() noexcept : m_key(detail::k_zero_key), m_aux(detail::k_zero_aux) {}

void version::add_ref() const noexcept {
  static_assert(k_zero_key == detail::k_zero_key && k_zero_aux == detail::k_zero_aux);
  reinterpret_cast<detail::version_block*>(m_aux)->refs.fetch_add(1, std::memory_order_relaxed);
}

void version::drop_ref() const noexcept {
  detail::version_block::release_ref(reinterpret_cast<detail::version_block*>(m_aux));
}

result<version> version::parse(std::string_view text, std::pmr::memory_resource* memory) {
  return detail::parse_impl(text, memory, false);
}

version version::from_release(std::initializer_list<std::uint64_t> release,
                              std::pmr::memory_resource* memory) {
  key_view k;
  static constexpr std::uint64_t zero = 0;
  k.release = release.size() == 0 ? &zero : release.begin();
  k.release_size = release.size() == 0 ? 1 : release.size();
  return version_access::build(k, memory);
}

// Widths and kind count in one word: any change of the packed layout changes it.
const std::uint32_t version::packed_layout =
    detail::k_release_bits[0] << 24 | detail::k_release_bits[1] << 18 | detail::k_release_bits[2] << 12 |
    detail::k_release_bits[3] << 6 | detail::k_kind_bits;

std::optional<version::raw_bits> version::packed_bits() const noexcept {
  if (!is_packed()) return std::nullopt;
  return raw_bits{m_key, static_cast<std::uint32_t>(m_aux >> 1)};
}

std::optional<version> version::from_packed(raw_bits bits) noexcept {
  if (bits.release_size == 0) return std::nullopt;
  for (std::size_t i = bits.release_size; i < 4; ++i)
    if (((bits.key >> detail::k_release_shift[i]) & detail::mask(detail::k_release_bits[i])) != 0)
      return std::nullopt;
  const std::uint64_t kind = (bits.key >> detail::k_kind_shift) & detail::mask(detail::k_kind_bits);
  const std::uint64_t number = bits.key & detail::mask(detail::k_number_bits);
  // Bounds carry no number; a final release has 0, or 1/2 for the just-after/local-max sentinels.
  if ((kind == detail::kind_release_min || kind == detail::kind_release_max) && number != 0)
    return std::nullopt;
  if (kind == detail::kind_final && number > 2) return std::nullopt;
  version v;
  v.m_key = bits.key;
  v.m_aux = (static_cast<std::uintptr_t>(bits.release_size) << 1) | 1U;
  return v;
}

std::uint64_t version::epoch() const noexcept { return version_access::view(*this).epoch; }
std::size_t version::release_size() const noexcept {
  if (is_packed()) return static_cast<std::size_t>(m_aux >> 1);
  return version_access::block(*this)->release_size;
}
std::uint64_t version::release(std::size_t i) const noexcept {
  const key_view k = version_access::view(*this);
  return k.release_at(i);
}
std::vector<std::uint64_t> version::release_segments() const {
  const std::size_t n = release_size();
  std::vector<std::uint64_t> out(n);
  const key_view k = version_access::view(*this);
  for (std::size_t i = 0; i < n; ++i) out[i] = k.release_at(i);
  return out;
}
std::optional<pre_release> version::pre() const noexcept {
  const key_view k = version_access::view(*this);
  if (!k.has_pre()) return std::nullopt;
  return pre_release{static_cast<pre_kind>(k.pre_rank - 1), k.pre_number};
}
std::optional<std::uint64_t> version::post() const noexcept {
  const key_view k = version_access::view(*this);
  if (!k.has_post) return std::nullopt;
  return k.post;
}
std::optional<std::uint64_t> version::dev() const noexcept {
  const key_view k = version_access::view(*this);
  if (!k.has_dev) return std::nullopt;
  return k.dev;
}
bool version::has_local() const noexcept {
  return !is_packed() && version_access::block(*this)->local_size != 0;
}
std::vector<local_segment> version::local() const {
  std::vector<local_segment> out;
  const key_view k = version_access::view(*this);
  for (std::size_t i = 0; i < k.local_size; ++i) {
    const detail::stored_local& s = k.local[i];
    if (s.is_number) {
      out.push_back(local_segment{true, s.number, {}});
    } else {
      out.push_back(local_segment{false, 0, std::string(k.local_text + s.offset, s.length)});
    }
  }
  return out;
}

bool version::is_prerelease() const noexcept {
  const key_view k = version_access::view(*this);
  return k.has_pre() || k.has_dev;
}
bool version::is_postrelease() const noexcept { return version_access::view(*this).has_post; }
bool version::is_devrelease() const noexcept { return version_access::view(*this).has_dev; }

version version::public_version() const {
  key_view k = version_access::view(*this);
  if (k.local_size == 0 && !k.local_max && !k.after) return *this;
  k.local_size = 0;
  k.local_max = false;
  k.after = false;
  return version_access::build(
      k, is_packed() ? support::default_resource() : version_access::block(*this)->memory);
}

version version::base_version() const {
  const key_view k = version_access::view(*this);
  key_view b;
  b.epoch = k.epoch;
  b.release = k.release;
  b.release_size = k.release_size;
  b.written_release_size = k.written_release_size;
  return version_access::build(
      b, is_packed() ? support::default_resource() : version_access::block(*this)->memory);
}

std::string version::to_string() const {
  const key_view k = version_access::view(*this);
  std::string out;
  out.reserve(16);
  // Packed versions store at most 4 segments; the rest are zeros.
  const std::size_t full_size = release_size();
  if (k.epoch != 0) {
    detail::append_number(out, k.epoch);
    out += '!';
  }
  for (std::size_t i = 0; i < full_size; ++i) {
    if (i != 0) out += '.';
    detail::append_number(out, k.release_at(i));
  }
  if (k.bound == detail::bound_kind::release_min) return out + ".min";
  if (k.bound == detail::bound_kind::release_max) return out + ".max";
  detail::append_suffixes(k, out);
  if (k.local_size != 0) {
    std::string tail;
    detail::append_canonical(*this, tail, false, true);
    out.append(tail, tail.find('+'));
  }
  if (k.local_max) out += "+max";
  if (k.after) out += k.local_size != 0 || k.local_max ? ".next" : "+next";
  return out;
}

std::size_t version::hash() const noexcept {
  if (is_packed()) return static_cast<std::size_t>(detail::finalize(m_key));
  const key_view k = version_access::view(*this);
  std::uint64_t key = 0;
  if (detail::try_pack(k, key)) return static_cast<std::size_t>(detail::finalize(key));
  std::uint64_t h = detail::mix(0, k.epoch);
  std::size_t n = k.release_size;
  while (n > 0 && k.release[n - 1] == 0) --n;
  for (std::size_t i = 0; i < n; ++i) h = detail::mix(h, k.release[i]);
  h = detail::mix(h, static_cast<std::uint64_t>(static_cast<int>(k.bound) + 2));
  h = detail::mix(
      h, (std::uint64_t{k.pre_rank} << 8) | (std::uint64_t{k.has_post} << 1) | std::uint64_t{k.has_dev});
  h = detail::mix(h, k.pre_number);
  h = detail::mix(h, k.post);
  h = detail::mix(h, k.dev);
  for (std::size_t i = 0; i < k.local_size; ++i) {
    const detail::stored_local& s = k.local[i];
    if (s.is_number) {
      h = detail::mix(h, s.number);
    } else {
      for (std::size_t j = 0; j < s.length; ++j)
        h = detail::mix(h, static_cast<unsigned char>(k.local_text[s.offset + j]));
      h = detail::mix(h, ~0ULL);
    }
  }
  h = detail::mix(h, (std::uint64_t{k.local_max} << 1) | std::uint64_t{k.after});
  return static_cast<std::size_t>(detail::finalize(h));
}

namespace detail {
namespace {
// Heap against heap without decoding into views (the general path for sorting heap forms).
int compare_blocks(const version_block& a, const version_block& b) noexcept {
  if (int c = cmp(a.epoch, b.epoch)) return c;
  const std::uint64_t* x = a.release_data();
  const std::uint64_t* y = b.release_data();
  const std::size_t n = std::min(a.release_size, b.release_size);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  for (std::size_t i = n; i < a.release_size; ++i) {
    if (x[i] != 0) return 1;
  }
  for (std::size_t i = n; i < b.release_size; ++i) {
    if (y[i] != 0) return -1;
  }
  if (auto c = compare_suffixes(a, b)) return *c;
  if (a.local_size == 0 && b.local_size == 0 && !a.local_max && !b.local_max) return cmp(a.after, b.after);
  return -2;  // caller falls back to the general comparison for local labels
}
}  // namespace
}  // namespace detail

std::strong_ordering version::compare_general(const version& a, const version& b) noexcept {
  if (a.is_packed() && b.is_packed()) return a.m_key <=> b.m_key;
  if (!a.is_packed() && !b.is_packed()) {
    const int c = detail::compare_blocks(*version_access::block(a), *version_access::block(b));
    if (c != -2) {
      return c < 0 ? std::strong_ordering::less
                   : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
    }
  }
  const int c = detail::compare_views(version_access::view(a), version_access::view(b));
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

bool version::equal_general(const version& a, const version& b) noexcept {
  if (a.is_packed() && b.is_packed()) return a.m_key == b.m_key;
  if (!a.is_packed() && !b.is_packed()) return compare_general(a, b) == 0;
  return detail::compare_views(version_access::view(a), version_access::view(b)) == 0;
}

namespace {
version with_flags(const version& v, detail::bound_kind bound, bool local_max, bool after) {
  key_view k = version_access::view(v);
  std::pmr::memory_resource* memory =
      v.is_packed() ? support::default_resource() : version_access::block(v)->memory;
  if (bound != detail::bound_kind::none) {
    key_view b;
    b.epoch = k.epoch;
    b.release = k.release;
    b.release_size = k.release_size;
    b.written_release_size = k.written_release_size;
    b.bound = bound;
    return version_access::build(b, memory);
  }
  if (local_max) {
    k.local_size = 0;
    k.local_max = true;
  }
  if (after) k.after = true;
  return version_access::build(k, memory);
}
}  // namespace

version version::release_min() const {
  return with_flags(*this, detail::bound_kind::release_min, false, false);
}
version version::release_max() const {
  return with_flags(*this, detail::bound_kind::release_max, false, false);
}
version version::local_max() const { return with_flags(*this, detail::bound_kind::none, true, false); }
version version::just_after() const { return with_flags(*this, detail::bound_kind::none, false, true); }
bool version::is_sentinel() const noexcept {
  const key_view k = version_access::view(*this);
  return k.bound != detail::bound_kind::none || k.local_max || k.after;
}

}  // namespace pyresolve::packaging
