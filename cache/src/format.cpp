// The entry format: a fixed header, then a bounds-checked payload of fixed-width integers and
// length-prefixed strings. Versions are stored as their packed bits (`version::packed_bits`),
// specifiers as operator, wildcard, operand bits and operand text, requirements as their
// fields: loading rebuilds them without parsing. Only versions outside the packed form (~5 %)
// are stored as text and parsed, and markers as text (one parse per marker of a requirement).
// Everything else (grouping, sorting, tag splitting, interning) is stored done.

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "detail/checksum.hpp"
#include "detail/entry_header.hpp"
#include "pyresolve/cache/cache.hpp"

namespace pyresolve::cache {
namespace {

constexpr char magic[8] = {'P', 'Y', 'R', 'S', 'L', 'V', 'C', '\0'};
// One format version per entry kind; each names its bucket (simple-v7, metadata-v4).
constexpr std::uint32_t simple_format = 7;
constexpr std::uint32_t metadata_format = 4;
constexpr std::uint32_t kind_simple = 1;
constexpr std::uint32_t kind_metadata = 2;
constexpr std::uint32_t kind_metadata_error = 3;
using detail::header_size;
constexpr std::uint32_t no_prefix = 0xFFFFFFFFU;

class writer {
 public:
  void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, 4); }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void i64(std::int64_t v) { raw(&v, 8); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    m_out.append(s);
  }
  template <class Strings>
  void strs(const Strings& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  void ids(const std::vector<std::uint32_t>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto id : v) u32(id);
  }
  /// Tag 1 and the packed bits, else tag 0 and the normalized text (parsed on load).
  void version(const packaging::version& v) {
    if (auto bits = v.packed_bits()) {
      u8(1);
      u64(bits->key);
      u32(bits->release_size);
    } else {
      u8(0);
      str(v.to_string());
    }
  }
  void specifiers(const packaging::specifier_set& set) {
    u32(static_cast<std::uint32_t>(set.specifiers().size()));
    for (const auto& spec : set.specifiers()) {
      u8(static_cast<std::uint8_t>(spec.op()));
      u8(spec.has_wildcard() ? 1 : 0);
      version(spec.operand());
      str(spec.operand_text());
    }
  }
  void requirement(const packaging::requirement& r) {
    str(r.name);
    strs(r.extras);
    str(r.url);
    specifiers(r.specifiers);
    u8(r.marker ? 1 : 0);
    if (r.marker) str(r.marker->to_string());
  }
  /// A sha256: 32 raw bytes when it is 64 hex digits (always, in practice), else the text.
  void hash(std::string_view hex) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    bool raw_ok =
        hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [&](char c) { return nibble(c) >= 0; });
    if (!raw_ok) {
      u8(0);
      str(hex);
      return;
    }
    u8(1);
    for (std::size_t i = 0; i < 64; i += 2)
      u8(static_cast<std::uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  void key(const entry_key& k) {
    str(k.url);
    str(k.project);
    str(k.filename);
  }
  [[nodiscard]] std::size_t size() const noexcept { return m_out.size(); }
  /// Another writer's bytes, as they are.
  void append(const writer& other) { m_out += other.m_out; }
  std::string seal(std::uint32_t kind, std::uint32_t format_version) && {
    std::string out(header_size, '\0');
    std::memcpy(out.data(), magic, 8);
    std::uint64_t len = m_out.size(), sum = detail::checksum(m_out.data(), m_out.size());
    std::memcpy(out.data() + 8, &format_version, 4);
    std::memcpy(out.data() + 12, &kind, 4);
    std::memcpy(out.data() + 16, &len, 8);
    std::memcpy(out.data() + 24, &sum, 8);
    out += m_out;
    return out;
  }

 private:
  // The format is little-endian; so are all our targets (x86-64, aarch64).
  void raw(const void* p, std::size_t n) { m_out.append(static_cast<const char*>(p), n); }
  std::string m_out;
};

class reader {
 public:
  reader(std::string_view data, std::pmr::memory_resource* memory, packaging::marker_memo* markers = nullptr)
      : m_data(data), m_memory(memory), m_markers(markers) {}
  [[nodiscard]] bool ok() const noexcept { return m_ok; }
  [[nodiscard]] bool at_end() const noexcept { return m_pos == m_data.size(); }
  [[nodiscard]] std::size_t pos() const noexcept { return m_pos; }
  /// The next `n` bytes as they are (bounds-checked), for fixed-width tables.
  std::string_view bytes(std::size_t n) {
    if (!m_ok || n > m_data.size() - m_pos) return fail_view();
    auto s = m_data.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  /// What `hash()` reads, without building the text.
  void skip_hash() {
    if (u8() == 0) {
      static_cast<void>(view());
    } else if (m_ok && 32 <= m_data.size() - m_pos) {
      m_pos += 32;
    } else {
      m_ok = false;
    }
  }
  std::uint8_t u8() {
    std::uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  std::int64_t i64() {
    std::int64_t v = 0;
    raw(&v, 8);
    return v;
  }
  std::string_view view() {
    std::uint32_t n = u32();
    if (!m_ok || n > m_data.size() - m_pos) return fail_view();
    auto s = m_data.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  std::string str() { return std::string(view()); }
  /// What `writer::key` wrote: false when `expected` is given and the entry's key differs.
  bool key_matches(const entry_key* expected) {
    const auto url = view();
    const auto project = view();
    const auto filename = view();
    return expected == nullptr ||
           (url == expected->url && project == expected->project && filename == expected->filename);
  }
  /// A sha256 as lowercase hex, into `out` (which keeps its resource).
  template <class String>
  void hash(String& out) {
    if (u8() == 0) {
      out = view();
      return;
    }
    static const char* digits = "0123456789abcdef";
    out.assign(64, '0');
    for (std::size_t i = 0; i < 64 && m_ok; i += 2) {
      auto b = u8();
      out[i] = digits[b >> 4];
      out[i + 1] = digits[b & 15];
    }
  }
  /// What `writer::version` wrote; a bad tag, bits no version has or unparseable text fail the reader.
  packaging::version version() {
    auto tag = u8();
    if (tag == 1) {
      packaging::version::raw_bits bits;
      bits.key = u64();
      bits.release_size = u32();
      if (auto v = packaging::version::from_packed(bits); v && m_ok) return std::move(*v);
    } else if (tag == 0) {
      if (auto v = packaging::version::parse(view(), m_memory); v && m_ok) return std::move(*v);
    }
    m_ok = false;
    return {};
  }
  packaging::specifier_set specifiers() {
    std::uint32_t n = count(11);
    std::pmr::vector<packaging::specifier> out(m_memory);
    out.reserve(n);
    for (std::uint32_t i = 0; i < n && m_ok; ++i) {
      auto op = static_cast<packaging::spec_op>(u8());
      bool wildcard = u8() != 0;
      auto operand = version();
      auto spec = packaging::specifier::from_parts(op, wildcard, std::move(operand), view(), m_memory);
      if (!spec || !m_ok) {
        m_ok = false;
        break;
      }
      out.push_back(std::move(*spec));
    }
    return packaging::specifier_set(std::move(out));
  }
  packaging::requirement requirement() {
    packaging::requirement r(m_memory);
    r.name = view();
    strs(r.extras);
    r.url = view();
    r.specifiers = specifiers();
    if (u8() != 0) {
      auto m = m_markers ? m_markers->parse(view(), m_memory) : packaging::marker::parse(view(), m_memory);
      if (m && m_ok) {
        r.marker = std::move(*m);
      } else {
        m_ok = false;
      }
    }
    return r;
  }
  /// Into `out`, in its resource.
  void strs(std::pmr::vector<std::pmr::string>& out) {
    std::uint32_t n = count(4);
    out.reserve(n);
    for (std::uint32_t i = 0; i < n && m_ok; ++i) out.emplace_back(view());
  }
  /// A count of elements of at least `min_bytes` each, rejected when the rest cannot hold it
  /// (so garbage cannot make us reserve gigabytes).
  std::uint32_t count(std::size_t min_bytes) {
    std::uint32_t n = u32();
    if (!m_ok || std::size_t{n} * min_bytes > m_data.size() - m_pos) {
      m_ok = false;
      return 0;
    }
    return n;
  }

 private:
  std::string_view fail_view() {
    m_ok = false;
    return {};
  }
  void raw(void* p, std::size_t n) {
    if (!m_ok || n > m_data.size() - m_pos) {
      m_ok = false;
      return;
    }
    std::memcpy(p, m_data.data() + m_pos, n);
    m_pos += n;
  }
  std::string_view m_data;
  std::pmr::memory_resource* m_memory;
  packaging::marker_memo* m_markers = nullptr;
  std::size_t m_pos = 0;
  bool m_ok = true;
};

unexpected<error> corrupt(std::string_view source, std::string what) {
  return unexpected<error>{
      error{errc::io_error, "corrupt cache entry: " + std::move(what), std::string(source), 0, 0}};
}

unexpected<error> mis_keyed(std::string_view source, const entry_key& expected) {
  std::string what = "written for another file than ";
  what += expected.filename.empty() ? "the page of '" + std::string(expected.project) + "'"
                                    : "'" + std::string(expected.filename) + "'";
  return corrupt(source, std::move(what));
}

/// Checks the header and checksum; returns the payload.
result<std::string_view> unseal(std::string_view bytes, std::uint32_t kind, std::uint32_t format_version,
                                std::string_view source) {
  if (bytes.size() < header_size) return corrupt(source, "shorter than its header");
  if (std::memcmp(bytes.data(), magic, 8) != 0) return corrupt(source, "bad magic");
  std::uint32_t fmt = 0, k = 0;
  std::uint64_t len = 0, sum = 0;
  std::memcpy(&fmt, bytes.data() + 8, 4);
  std::memcpy(&k, bytes.data() + 12, 4);
  std::memcpy(&len, bytes.data() + 16, 8);
  std::memcpy(&sum, bytes.data() + 24, 8);
  if (fmt != format_version) return corrupt(source, "format version " + std::to_string(fmt));
  if (k != kind) return corrupt(source, "wrong entry kind");
  if (len != bytes.size() - header_size) return corrupt(source, "length mismatch (truncated?)");
  auto payload = bytes.substr(header_size);
  if (detail::checksum(payload.data(), payload.size()) != sum) return corrupt(source, "checksum mismatch");
  return payload;
}

}  // namespace

std::string encode_simple(const simple_entry& entry, const entry_key& entry_for) {
  writer w;
  w.u32(packaging::version::packed_layout);
  w.key(entry_for);
  const auto& h = entry.http;
  w.i64(h.fetched_at);
  w.i64(h.max_age);
  w.i64(h.age);
  w.u8(h.must_revalidate ? 1 : 0);
  w.str(h.etag);
  w.str(h.last_modified);
  const auto& m = entry.map;
  w.str(m.name);
  w.u64(m.skipped_files);
  w.strs(m.requires_python_text);
  for (const auto& spec : m.requires_python) w.specifiers(spec);
  // Files of one page share their folder URL: store each folder once, and per file only its
  // index (the file's URL is the folder plus the filename). Tag names repeat even more
  // (`cp311`, `manylinux_2_17_x86_64`): stored once, files hold their indexes, so a loader
  // can rank a wheel for a target without building any string.
  std::vector<std::string> prefixes, tag_names;
  std::unordered_map<std::string_view, std::uint32_t> prefix_ids, tag_ids;
  std::vector<std::uint32_t> file_prefix;
  auto tag_id = [&](const std::string& name) {
    auto [it, added] = tag_ids.try_emplace(name, static_cast<std::uint32_t>(tag_names.size()));
    if (added) tag_names.push_back(name);
    return it->second;
  };
  // A page's wheels share a few tag sets (`cp311-cp311-manylinux…` on every release): each
  // distinct set (three lists of tag-name ids) is stored once, so a loader ranks it once.
  std::vector<std::vector<std::uint32_t>> set_lists;  // three per set
  std::map<std::vector<std::uint32_t>, std::uint32_t> set_ids;
  std::vector<std::uint32_t> file_set;  // per wheel
  for (const auto& v : m.versions)
    for (const auto& vf : v.files) {
      std::string_view url = vf.file.url;
      std::uint32_t id = no_prefix;
      if (url.size() > vf.file.filename.size() && url.ends_with(vf.file.filename)) {
        auto prefix = url.substr(0, url.size() - vf.file.filename.size());
        auto it = prefix_ids.find(prefix);
        if (it == prefix_ids.end()) {
          id = static_cast<std::uint32_t>(prefixes.size());
          prefixes.emplace_back(prefix);
          prefix_ids.emplace(prefix, id);
        } else {
          id = it->second;
        }
      }
      file_prefix.push_back(id);
      if (vf.kind == index::file_kind::wheel) {
        // The key: each list's size, then its ids.
        std::vector<std::uint32_t> key;
        for (const auto* list : {&vf.tags.interpreters, &vf.tags.abis, &vf.tags.platforms}) {
          key.push_back(static_cast<std::uint32_t>(list->size()));
          for (const auto& t : *list) key.push_back(tag_id(t));
        }
        auto [it, added] = set_ids.try_emplace(key, static_cast<std::uint32_t>(set_ids.size()));
        if (added) {
          std::size_t at = 0;
          for (int i = 0; i < 3; ++i) {
            const std::size_t n = key[at];
            set_lists.emplace_back(key.begin() + static_cast<std::ptrdiff_t>(at + 1),
                                   key.begin() + static_cast<std::ptrdiff_t>(at + 1 + n));
            at += 1 + n;
          }
        }
        file_set.push_back(it->second);
      }
    }
  w.strs(prefixes);
  w.strs(tag_names);
  w.u32(static_cast<std::uint32_t>(set_ids.size()));
  for (const auto& list : set_lists) w.ids(list);
  // Versions, then fixed-width tables (each version's first file; each file's record offset,
  // tag set, requires-python index and flags; each file's upload time), then the
  // variable-width file records:
  // loading copies the tables and parses no file record (they are read when a file is
  // materialized or ranked).
  w.u32(static_cast<std::uint32_t>(m.versions.size()));
  for (const auto& v : m.versions) w.version(v.version);
  writer records;
  std::vector<std::uint32_t> first_file;
  struct facts_out {
    std::uint32_t record, tags, flags;
    std::int32_t requires_python;
    std::int64_t upload_time;
  };
  std::vector<facts_out> facts;
  std::size_t file_no = 0, wheel_no = 0;
  for (const auto& v : m.versions) {
    first_file.push_back(static_cast<std::uint32_t>(facts.size()));
    for (const auto& vf : v.files) {
      const auto& f = vf.file;
      const std::uint32_t flags = (f.yanked ? 1U : 0U) | (f.has_metadata ? 2U : 0U) | (f.size ? 4U : 0U) |
                                  (vf.kind == index::file_kind::sdist ? 8U : 0U) | (vf.build ? 16U : 0U);
      facts_out out{static_cast<std::uint32_t>(records.size()), 0, flags,
                    static_cast<std::int32_t>(vf.requires_python), f.upload_time};
      records.str(f.filename);
      auto prefix = file_prefix[file_no++];
      records.u32(prefix);
      if (prefix == no_prefix) records.str(f.url);
      records.hash(f.sha256);
      records.str(f.yanked_reason);
      records.hash(f.metadata_sha256);
      records.u64(f.size.value_or(0));
      if (vf.kind == index::file_kind::wheel) {
        out.tags = file_set[wheel_no++];
        if (vf.build) {
          records.u64(vf.build->number);
          records.str(vf.build->suffix);
        }
      }
      facts.push_back(out);
    }
  }
  first_file.push_back(static_cast<std::uint32_t>(facts.size()));
  w.u32(static_cast<std::uint32_t>(facts.size()));
  // Record offsets are stored relative to the payload: the records follow the three tables.
  const std::size_t records_at = w.size() + 4 * first_file.size() + 24 * facts.size();
  for (const auto f : first_file) w.u32(f);
  for (const auto& f : facts) {
    w.u32(static_cast<std::uint32_t>(records_at + f.record));
    w.u32(f.tags);
    w.u32(static_cast<std::uint32_t>(f.requires_python));
    w.u32(f.flags);
  }
  for (const auto& f : facts) w.i64(f.upload_time);
  w.append(records);
  return std::move(w).seal(kind_simple, simple_format);
}

result<page_view> page_view::load(std::string bytes, std::string_view source,
                                  std::pmr::memory_resource* memory, const entry_key* expected) {
  auto p = index(bytes, source, memory, expected);
  // Views are offsets, so moving the bytes in is safe.
  if (p) p->m_bytes = std::move(bytes);
  return p;
}

result<page_view> page_view::load(mapped_file bytes, std::string_view source,
                                  std::pmr::memory_resource* memory, const entry_key* expected) {
  auto p = index(bytes.bytes(), source, memory, expected);
  if (p) p->m_mapped = std::move(bytes);
  return p;
}

result<page_view> page_view::index(std::string_view bytes, std::string_view source,
                                   std::pmr::memory_resource* memory, const entry_key* expected) {
  auto sealed = unseal(bytes, kind_simple, simple_format, source);
  if (!sealed) return unexpected<error>{std::move(sealed).error()};
  // Offsets into the payload are kept as 32 bits.
  if (sealed->size() > 0xFFFFFFF0U) return corrupt(source, "larger than 4 GiB");
  reader r(*sealed, memory);
  if (r.u32() != packaging::version::packed_layout)
    return corrupt(source, "written with another packed version layout");
  if (!r.key_matches(expected) && r.ok()) return mis_keyed(source, *expected);
  page_view p(memory);
  p.m_http.fetched_at = r.i64();
  p.m_http.max_age = r.i64();
  p.m_http.age = r.i64();
  p.m_http.must_revalidate = r.u8() != 0;
  p.m_http.etag = r.view();
  p.m_http.last_modified = r.view();
  p.m_name = r.view();
  p.m_skipped = r.u64();
  r.strs(p.m_rp_text);
  p.m_rp.reserve(p.m_rp_text.size());
  for (std::size_t i = 0; i < p.m_rp_text.size() && r.ok(); ++i) p.m_rp.push_back(r.specifiers());
  auto texts = [&](std::pmr::vector<text_ref>& out) {
    const std::uint32_t n = r.count(4);
    out.reserve(n);
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
      const auto t = r.view();
      out.push_back(
          {static_cast<std::uint32_t>(t.data() - sealed->data()), static_cast<std::uint32_t>(t.size())});
    }
  };
  texts(p.m_prefixes);
  texts(p.m_tag_names);
  const std::uint32_t sets = r.count(12);
  p.m_tag_sets.reserve(sets);
  for (std::uint32_t s = 0; s < sets && r.ok(); ++s) {
    p.m_tag_sets.push_back(static_cast<std::uint32_t>(r.pos()));
    for (int list = 0; list < 3 && r.ok(); ++list) {
      const std::uint32_t n = r.count(4);
      for (std::uint32_t k = 0; k < n && r.ok(); ++k)
        if (r.u32() >= p.m_tag_names.size()) return corrupt(source, "tag index out of range");
    }
  }
  const std::uint32_t nv = r.count(9);
  p.m_versions.reserve(nv);
  for (std::uint32_t i = 0; i < nv && r.ok(); ++i) {
    p.m_versions.push_back(r.version());
    if (!r.ok()) return corrupt(source, "bad version of entry " + std::to_string(i));
  }
  // The tables are fixed-width: copied with their bounds checked, no record is parsed.
  const std::uint32_t nf = r.count(24);
  const auto first = r.bytes(4 * (std::size_t{nv} + 1));
  const auto facts = r.bytes(16 * std::size_t{nf});
  // Upload times are read in place (`upload_time`), only when a cutoff asks for them.
  const auto upload_times = r.bytes(8 * std::size_t{nf});
  if (!r.ok()) return corrupt(source, "malformed payload");
  p.m_upload_times = static_cast<std::uint32_t>(upload_times.data() - sealed->data());
  const std::size_t records_at = r.pos(), end = sealed->size();
  auto u32_at = [](std::string_view table, std::size_t i) {
    std::uint32_t v = 0;
    std::memcpy(&v, table.data() + 4 * i, 4);
    return v;
  };
  p.m_first_file.resize(std::size_t{nv} + 1);
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i <= nv; ++i) {
    const std::uint32_t f = u32_at(first, i);
    if (f < previous || f > nf || (i == 0 && f != 0) || (i == nv && f != nf))
      return corrupt(source, "bad file table");
    p.m_first_file[i] = previous = f;
  }
  p.m_files.resize(nf);
  for (std::size_t i = 0; i < nf; ++i) {
    file_facts& f = p.m_files[i];
    f.record = u32_at(facts, 4 * i);
    f.tags = u32_at(facts, 4 * i + 1);
    f.requires_python = static_cast<std::int32_t>(u32_at(facts, 4 * i + 2));
    const std::uint32_t flags = u32_at(facts, 4 * i + 3);
    f.flags = static_cast<std::uint8_t>(flags);
    // A record is read only when a file is materialized or ranked, each read bounds-checked;
    // here only what those reads start from is checked.
    if (f.record < records_at || f.record >= end || flags > 31 || (!f.sdist() && f.tags >= sets) ||
        f.requires_python < -1 || f.requires_python >= static_cast<std::int64_t>(p.m_rp.size()))
      return corrupt(source, "bad entry in the file table");
  }
  return p;
}

std::string_view page_view::payload() const noexcept {
  const std::string_view all =
      m_mapped.bytes().data() != nullptr ? m_mapped.bytes() : std::string_view(m_bytes);
  return all.substr(header_size);
}

std::optional<std::size_t> page_view::find(const packaging::version& v) const {
  const auto it = std::lower_bound(m_versions.begin(), m_versions.end(), v);
  if (it == m_versions.end() || *it != v) return std::nullopt;
  return static_cast<std::size_t>(it - m_versions.begin());
}

namespace {
/// A list of u32 tag-name indexes in a validated tag set of the payload.
struct id_list {
  const char* data = nullptr;
  std::uint32_t size = 0;
  [[nodiscard]] std::uint32_t operator[](std::uint32_t i) const noexcept {
    std::uint32_t v = 0;
    std::memcpy(&v, data + 4 * std::size_t{i}, 4);
    return v;
  }
  /// Reads the list at `at` and moves `at` past it.
  static id_list at(std::string_view payload, std::size_t& at) noexcept {
    id_list l;
    std::memcpy(&l.size, payload.data() + at, 4);
    l.data = payload.data() + at + 4;
    at += 4 + 4 * std::size_t{l.size};
    return l;
  }
};
}  // namespace

page_view::tag_set_ranks page_view::ranks_in(const packaging::target_environment& environment,
                                             std::pmr::memory_resource* memory) const {
  using part = packaging::target_environment::tag_part;
  // Each tag name's part id (-1: part of no accepted tag), looked up once per page.
  std::pmr::vector<std::int32_t> ids[3]{std::pmr::vector<std::int32_t>(memory),
                                        std::pmr::vector<std::int32_t>(memory),
                                        std::pmr::vector<std::int32_t>(memory)};
  for (auto& list : ids) list.reserve(m_tag_names.size());
  for (const auto& name : m_tag_names) {
    const auto t = text(name);
    int i = 0;
    for (const part p : {part::interpreter, part::abi, part::platform}) {
      const auto found = environment.part_id(p, t);
      ids[i++].push_back(found ? static_cast<std::int32_t>(*found) : -1);
    }
  }
  const auto data = payload();
  tag_set_ranks ranks(memory);
  ranks.reserve(m_tag_sets.size());
  for (const std::uint32_t set : m_tag_sets) {
    std::size_t at = set;
    const auto interpreters = id_list::at(data, at), abis = id_list::at(data, at),
               platforms = id_list::at(data, at);
    std::optional<std::uint32_t> best;
    for (std::uint32_t i = 0; i < interpreters.size; ++i) {
      const auto ii = ids[0][interpreters[i]];
      if (ii < 0) continue;
      for (std::uint32_t a = 0; a < abis.size; ++a) {
        const auto ai = ids[1][abis[a]];
        if (ai < 0) continue;
        for (std::uint32_t pl = 0; pl < platforms.size; ++pl) {
          const auto pi = ids[2][platforms[pl]];
          if (pi < 0) continue;
          const auto r = environment.rank_of(static_cast<std::uint32_t>(ii), static_cast<std::uint32_t>(ai),
                                             static_cast<std::uint32_t>(pi));
          if (r && (!best || *r < *best)) best = r;
        }
      }
    }
    ranks.push_back(best);
  }
  return ranks;
}

std::optional<index::version_file> page_view::file(const file_facts& facts) const {
  index::version_file vf;
  if (!read_file(facts, vf)) return std::nullopt;
  return vf;
}

bool page_view::read_file(const file_facts& facts, index::version_file& vf) const {
  return read_record(facts, vf.file, &vf);
}

bool page_view::read_dist_file(const file_facts& facts, index::dist_file& out) const {
  return read_record(facts, out, nullptr);
}

std::int64_t page_view::upload_time(std::size_t v, std::size_t i) const noexcept {
  return upload_time_at(m_first_file[v] + i);
}

std::int64_t page_view::upload_time_at(std::size_t file) const noexcept {
  // `load` checked that the table holds one time per file.
  std::int64_t t = 0;
  std::memcpy(&t, payload().data() + m_upload_times + 8 * file, 8);
  return t;
}

bool page_view::read_record(const file_facts& facts, index::dist_file& f, index::version_file* vf) const {
  // `load` checked where this record starts; every read below is bounds-checked.
  reader r(payload().substr(facts.record), nullptr);
  // A file of this view (every caller passes one of `files(v)`) has its time in the table.
  bool time_ok = true;
  if (&facts >= m_files.data() && &facts < m_files.data() + m_files.size()) {
    f.upload_time = upload_time_at(static_cast<std::size_t>(&facts - m_files.data()));
    // Only what `parse_upload_time` can give is kept; anything else is a damaged entry.
    time_ok = f.upload_time == index::no_upload_time ||
              (f.upload_time >= 0 && f.upload_time <= index::max_upload_time);
  }
  f.filename = r.view();
  const auto prefix = r.u32();
  if (prefix == no_prefix || prefix >= m_prefixes.size()) {
    f.url = r.view();
  } else {
    const auto folder = text(m_prefixes[prefix]);
    f.url.reserve(folder.size() + f.filename.size());
    f.url = folder;
    f.url += f.filename;
  }
  for (const auto& index_url : m_index_urls) {
    if (index::has_credentials(f.url)) break;
    f.url = index::with_credentials_of(f.url, index_url);
  }
  r.hash(f.sha256);
  const auto flags = facts.flags;
  f.yanked = (flags & 1) != 0;
  f.has_metadata = (flags & 2) != 0;
  f.yanked_reason = r.view();
  r.hash(f.metadata_sha256);
  const auto size = r.u64();
  if (flags & 4) f.size = size;
  const std::int32_t requires_python = facts.requires_python;  // checked on load
  if (requires_python >= 0) f.requires_python = m_rp_text[static_cast<std::size_t>(requires_python)];
  const auto kind = (flags & 8) ? index::file_kind::sdist : index::file_kind::wheel;
  std::optional<packaging::build_tag> build;
  if (kind == index::file_kind::wheel && (flags & 16)) {
    // Read even when only the file is asked for: the whole record must read.
    packaging::build_tag t;
    t.number = r.u64();
    const std::string_view suffix = r.view();
    if (vf) {
      t.suffix = suffix;
      build = std::move(t);
    }
  }
  if (vf) {
    vf->requires_python = requires_python;
    vf->kind = kind;
    vf->build = std::move(build);
    if (kind == index::file_kind::wheel) {
      std::size_t at = m_tag_sets[facts.tags];  // both checked on load
      for (auto* list : {&vf->tags.interpreters, &vf->tags.abis, &vf->tags.platforms}) {
        const auto ids = id_list::at(payload(), at);
        list->reserve(ids.size);
        for (std::uint32_t i = 0; i < ids.size; ++i) list->emplace_back(text(m_tag_names[ids[i]]));
      }
    }
  }
  return r.ok() && time_ok && (prefix == no_prefix || prefix < m_prefixes.size());
}

index::version_entry page_view::entry(std::size_t v) const {
  index::version_entry e{m_versions[v], {}};
  const auto fs = files(v);
  e.files.reserve(fs.size());
  // A record that does not read whole would come out with empty fields (no URL, no hash): it
  // is left out, as the provider leaves its version unusable.
  for (const auto& f : fs)
    if (auto vf = file(f)) e.files.push_back(std::move(*vf));
  return e;
}

index::version_map page_view::map() const {
  index::version_map m;
  m.name = m_name;
  m.skipped_files = m_skipped;
  m.requires_python_text.assign(m_rp_text.begin(), m_rp_text.end());
  m.requires_python.assign(m_rp.begin(), m_rp.end());
  m.versions.reserve(size());
  for (std::size_t v = 0; v < size(); ++v) m.versions.push_back(entry(v));
  return m;
}

result<simple_entry> decode_simple(std::string_view bytes, std::string_view source,
                                   std::pmr::memory_resource* memory, const entry_key* expected) {
  auto view = page_view::load(std::string(bytes), source, memory, expected);
  if (!view) return unexpected<error>{std::move(view).error()};
  // A resolve reads only the records it needs; a whole decode checks every one.
  index::version_file scratch;
  for (std::size_t v = 0; v < view->size(); ++v)
    for (const auto& f : view->files(v))
      if (!view->read_file(f, scratch)) return corrupt(source, "malformed file record");
  return simple_entry{view->http(), view->map()};
}

std::string encode_metadata(const packaging::core_metadata& md, std::int64_t written_at,
                            const entry_key& key) {
  writer w;
  w.i64(written_at);
  w.key(key);
  w.u32(packaging::version::packed_layout);
  w.str(md.metadata_version);
  w.str(md.name);
  w.version(md.version);
  w.u8(md.requires_python ? 1 : 0);
  if (md.requires_python) w.specifiers(*md.requires_python);
  // Each requirement: a flag byte (1: its marker is false without an extra, so a package
  // asked for without extras can skip it), its record's length, the record.
  w.u32(static_cast<std::uint32_t>(md.requires_dist.size()));
  for (const auto& r : md.requires_dist) {
    writer record;
    record.requirement(r);
    w.u8(r.marker && r.marker->false_without_extra() ? 1 : 0);
    w.u32(static_cast<std::uint32_t>(record.size()));
    w.append(record);
  }
  w.strs(md.provides_extra);
  w.strs(md.dynamic);
  return std::move(w).seal(kind_metadata, metadata_format);
}

std::string encode_metadata_error(const error& failure, std::int64_t written_at, const entry_key& key) {
  writer w;
  w.i64(written_at);
  w.key(key);
  w.str(failure.message);
  w.str(failure.source);
  w.u32(failure.line);
  w.u32(failure.column);
  return std::move(w).seal(kind_metadata_error, metadata_format);
}

result<packaging::core_metadata> decode_metadata(std::string_view bytes, std::string_view source,
                                                 std::int64_t* written_at, std::pmr::memory_resource* memory,
                                                 packaging::marker_memo* markers, metadata_scope scope,
                                                 const entry_key* expected) {
  if (bytes.size() >= header_size) {
    std::uint32_t k = 0;
    std::memcpy(&k, bytes.data() + 12, 4);
    if (k == kind_metadata_error) {
      auto payload = unseal(bytes, kind_metadata_error, metadata_format, source);
      if (!payload) return unexpected<error>{std::move(payload).error()};
      reader r(*payload, memory);
      auto written = r.i64();
      if (!r.key_matches(expected) && r.ok()) return mis_keyed(source, *expected);
      error e{errc::invalid_metadata, r.str(), r.str(), 0, 0};
      e.line = r.u32();
      e.column = r.u32();
      if (!r.ok() || !r.at_end()) return corrupt(source, "malformed payload");
      if (written_at) *written_at = written;
      return unexpected<error>{std::move(e)};
    }
  }
  auto payload = unseal(bytes, kind_metadata, metadata_format, source);
  if (!payload) return unexpected<error>{std::move(payload).error()};
  reader r(*payload, memory, markers);
  auto written = r.i64();
  if (written_at) *written_at = written;
  if (!r.key_matches(expected) && r.ok()) return mis_keyed(source, *expected);
  if (r.u32() != packaging::version::packed_layout)
    return corrupt(source, "written with another packed version layout");
  packaging::core_metadata md(memory);
  md.metadata_version = r.view();
  md.name = r.view();
  md.version = r.version();
  if (r.u8() != 0) md.requires_python = r.specifiers();
  std::uint32_t n = r.count(22);  // flag, length, and a record's 17 bytes at least
  md.requires_dist.reserve(n);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    const std::uint8_t flags = r.u8();
    const std::uint32_t length = r.u32();
    if (flags > 1) return corrupt(source, "bad flags of requirement " + std::to_string(i));
    if (scope == metadata_scope::without_extra_only && flags == 1) {
      static_cast<void>(r.bytes(length));  // bounds-checked; the checksum covered its content
      continue;
    }
    const std::size_t start = r.pos();
    md.requires_dist.push_back(r.requirement());
    if (r.ok() && r.pos() - start != length)
      return corrupt(source, "bad length of requirement " + std::to_string(i));
  }
  r.strs(md.provides_extra);
  r.strs(md.dynamic);
  if (!r.ok() || !r.at_end()) return corrupt(source, "malformed payload");
  return md;
}

}  // namespace pyresolve::cache
