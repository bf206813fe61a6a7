// Input readers: snapshot JSONL (optionally zstd), universe JSON, scenario TOML.
#include <zstd.h>

#include <simdjson.h>
#include <toml++/toml.h>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "model.hpp"
#include "pyresolve/index/upload_time.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::make_index {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct dctx_deleter {
  void operator()(ZSTD_DCtx* c) const noexcept { ZSTD_freeDCtx(c); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;
using dctx_ptr = std::unique_ptr<ZSTD_DCtx, dctx_deleter>;

unexpected<error> fail_at(errc code, std::string message, const std::string& source, std::uint32_t line = 0) {
  return unexpected<error>{error{code, std::move(message), source, line, 0}};
}

/// Splits a byte stream into lines; the stream is the file itself or its zstd decompression.
class line_reader {
 public:
  result<void> open(const std::string& path) {
    m_path = path;
    m_file.reset(std::fopen(path.c_str(), "rb"));
    if (!m_file) return fail_at(errc::io_error, "cannot open file", path);
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0) {
      m_dctx.reset(ZSTD_createDCtx());
      // The full deps-db file is compressed with --long=27; the default limit is 2^27 too on
      // some builds but not all, so set it explicitly.
      ZSTD_DCtx_setParameter(m_dctx.get(), ZSTD_d_windowLogMax, 27);
      m_in.resize(ZSTD_DStreamInSize());
    } else {
      m_in.resize(1 << 20);
    }
    return {};
  }

  /// Next line without its newline in `line`; false at end of input.
  result<bool> next(std::string_view& line) {
    for (;;) {
      auto nl = m_data.find('\n', m_pos);
      if (nl != std::string::npos) {
        line = std::string_view(m_data).substr(m_pos, nl - m_pos);
        m_pos = nl + 1;
        return true;
      }
      // Keep the partial line, drop what was consumed, then read more.
      m_data.erase(0, m_pos);
      m_pos = 0;
      auto got = fill();
      if (!got) return unexpected<error>{std::move(got).error()};
      if (!*got) {
        if (m_data.empty()) return false;
        line = m_data;
        m_pos = m_data.size();
        return true;
      }
    }
  }

 private:
  result<bool> fill() {
    if (m_eof) return false;
    std::size_t n = std::fread(m_in.data(), 1, m_in.size(), m_file.get());
    if (n == 0) {
      if (std::ferror(m_file.get())) return fail_at(errc::io_error, "read error", m_path);
      m_eof = true;
      if (m_dctx && m_frame_open) return fail_at(errc::io_error, "truncated zstd stream", m_path);
      return false;
    }
    if (!m_dctx) {
      m_data.append(m_in.data(), n);
      return true;
    }
    ZSTD_inBuffer in{m_in.data(), n, 0};
    const std::size_t out_size = ZSTD_DStreamOutSize();
    while (in.pos < in.size) {
      std::size_t old = m_data.size();
      m_data.resize(old + out_size);
      ZSTD_outBuffer out{m_data.data() + old, out_size, 0};
      std::size_t rc = ZSTD_decompressStream(m_dctx.get(), &out, &in);
      m_data.resize(old + out.pos);
      if (ZSTD_isError(rc))
        return fail_at(errc::io_error, std::string("zstd: ") + ZSTD_getErrorName(rc), m_path);
      m_frame_open = rc != 0;
    }
    return true;
  }

  std::string m_path;
  file_ptr m_file;
  dctx_ptr m_dctx;
  std::vector<char> m_in;
  std::string m_data;
  std::size_t m_pos = 0;
  bool m_eof = false;
  bool m_frame_open = false;
};

namespace od = simdjson::ondemand;

void read_string_array(od::value v, std::vector<std::string>& out) {
  if (v.type() != od::json_type::array) return;  // null or missing
  for (auto item : v.get_array()) {
    std::string_view s = item.get_string();
    out.emplace_back(s);
  }
}

void read_fields(od::object obj, core_fields& f) {
  for (auto field : obj) {
    std::string_view key = field.unescaped_key();
    od::value v = field.value();
    if (key == "requires_dist") {
      read_string_array(v, f.requires_dist);
    } else if (key == "requires_python") {
      if (v.type() == od::json_type::string) f.requires_python = std::string_view(v.get_string());
    } else if (key == "provides_extras") {
      read_string_array(v, f.provides_extras);
    }
  }
}

/// Parses one snapshot line. Throws simdjson_error; the caller adds the line number.
project parse_snapshot_line(od::parser& parser, const char* buf, std::size_t len, std::size_t cap) {
  project p;
  od::document doc = parser.iterate(buf, len, cap);
  od::object root = doc.get_object();
  for (auto field : root) {
    std::string_view key = field.unescaped_key();
    if (key == "name") {
      p.name = std::string_view(field.value().get_string());
    } else if (key == "versions") {
      for (auto vfield : field.value().get_object()) {
        release r;
        r.version = std::string_view(vfield.unescaped_key());
        bool unknown = false;
        std::vector<std::pair<std::string, core_fields>> per_wheel;
        for (auto f : vfield.value().get_object()) {
          std::string_view k = f.unescaped_key();
          od::value v = f.value();
          if (k == "wheels") {
            if (v.type() == od::json_type::array)
              for (auto w : v.get_array())
                r.wheels.push_back({std::string(std::string_view(w.get_string())), {}});
          } else if (k == "sdist") {
            r.sdist = v.type() == od::json_type::boolean && bool(v.get_bool());
          } else if (k == "requires_dist") {
            read_string_array(v, r.fields.requires_dist);
          } else if (k == "requires_python") {
            if (v.type() == od::json_type::string)
              r.fields.requires_python = std::string_view(v.get_string());
          } else if (k == "provides_extras") {
            read_string_array(v, r.fields.provides_extras);
          } else if (k == "per_wheel") {
            if (v.type() != od::json_type::object) continue;
            for (auto pw : v.get_object()) {
              std::string fn(std::string_view(pw.unescaped_key()));
              core_fields cf;
              read_fields(pw.value().get_object(), cf);
              per_wheel.emplace_back(std::move(fn), std::move(cf));
            }
          } else if (k == "src") {
            unknown = std::string_view(v.get_string()) == "unknown";
          }
        }
        if (unknown) continue;
        for (auto& [fn, cf] : per_wheel)
          for (auto& w : r.wheels)
            if (w.filename == fn) w.fields = std::move(cf);
        p.releases.push_back(std::move(r));
      }
    }
  }
  return p;
}

std::string wheel_name_part(std::string_view name) {
  std::string out = packaging::normalize_name(name);
  for (char& c : out)
    if (c == '-') c = '_';
  return out;
}

}  // namespace

std::string requirement_name(std::string_view req) {
  std::size_t i = 0;
  while (i < req.size() && (req[i] == ' ' || req[i] == '\t')) ++i;
  std::size_t start = i;
  while (i < req.size()) {
    char c = req[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) break;
    ++i;
  }
  return packaging::normalize_name(req.substr(start, i - start));
}

result<void> read_snapshot(const std::string& path, const project_visitor& visit) {
  line_reader reader;
  if (auto r = reader.open(path); !r) return r;
  od::parser parser;
  std::vector<char> padded;  // reused: one line plus simdjson's required padding
  std::uint32_t line_no = 0;
  std::string_view line;
  for (;;) {
    auto more = reader.next(line);
    if (!more) return unexpected<error>{std::move(more).error()};
    if (!*more) break;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (padded.size() < line.size() + simdjson::SIMDJSON_PADDING)
      padded.resize(line.size() * 2 + simdjson::SIMDJSON_PADDING);
    std::copy(line.begin(), line.end(), padded.begin());
    project p;
    try {
      p = parse_snapshot_line(parser, padded.data(), line.size(), padded.size());
    } catch (const simdjson::simdjson_error& e) {
      return fail_at(errc::invalid_metadata, std::string("invalid JSON record: ") + e.what(), path, line_no);
    }
    if (p.name.empty()) return fail_at(errc::invalid_metadata, "record has no \"name\"", path, line_no);
    if (auto r = visit(std::move(p)); !r) {
      auto e = r.error();
      if (e.source.empty()) e.source = path;
      if (e.line == 0) e.line = line_no;
      return unexpected<error>{std::move(e)};
    }
  }
  return {};
}

result<void> read_universe(const std::string& path, const project_visitor& visit) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto ec = parser.load(path).get(doc); ec)
    return fail_at(errc::invalid_metadata,
                   std::string("invalid universe JSON: ") + simdjson::error_message(ec), path);
  simdjson::dom::object packages;
  if (doc["packages"].get(packages))
    return fail_at(errc::invalid_metadata, "universe has no \"packages\" object", path);
  for (auto [name_key, versions_el] : packages) {
    project p;
    p.name = std::string(name_key);
    simdjson::dom::object versions;
    if (versions_el.get(versions))
      return fail_at(errc::invalid_metadata, "project " + p.name + ": versions is not an object", path);
    for (auto [ver_key, info_binding] : versions) {
      // A named copy: lambdas below capture it, and clang 14 cannot capture a structured binding.
      simdjson::dom::element info = info_binding;
      release r;
      r.version = std::string(ver_key);
      auto where = "project " + p.name + " version " + r.version + ": ";
      if (info.is_object()) {
        auto strings = [&](const char* key, std::vector<std::string>& out) -> bool {
          simdjson::dom::element el;
          if (info[key].get(el) || el.is_null()) return true;
          if (!el.is_array()) return false;
          for (auto item : el.get_array()) {
            std::string_view s;
            if (item.get(s)) return false;
            out.emplace_back(s);
          }
          return true;
        };
        if (!strings("requires_dist", r.fields.requires_dist) ||
            !strings("provides_extras", r.fields.provides_extras) ||
            !strings("provides_extra", r.fields.provides_extras))
          return fail_at(errc::invalid_metadata, where + "expected a list of strings", path);
        std::string_view rp;
        if (!info["requires_python"].get(rp)) r.fields.requires_python = std::string(rp);
        bool yanked = false;
        std::string_view reason;
        if (!info["yanked"].get(reason)) {
          r.yanked = std::string(reason);
        } else if (!info["yanked"].get(yanked) && yanked) {
          r.yanked = std::string();
        }
        std::vector<std::string> wheels;
        if (!strings("wheels", wheels))
          return fail_at(errc::invalid_metadata, where + "bad \"wheels\"", path);
        for (auto& w : wheels) r.wheels.push_back({std::move(w), {}});
        bool sdist = false;
        if (!info["sdist"].get(sdist)) r.sdist = sdist;
        simdjson::dom::element uploaded;
        if (!info["upload_time"].get(uploaded) && !uploaded.is_null()) {
          std::string_view text;
          std::optional<std::int64_t> at;
          if (!uploaded.get(text)) at = index::parse_rfc3339(text);
          if (!at)
            return fail_at(errc::invalid_metadata,
                           where + "\"upload_time\" is not an RFC 3339 timestamp (2023-09-07T21:12:01Z)",
                           path);
          r.upload_time = *at;
        }
      } else if (!info.is_null()) {
        return fail_at(errc::invalid_metadata, where + "expected an object", path);
      }
      if (r.wheels.empty() && !r.sdist)
        r.wheels.push_back({wheel_name_part(p.name) + '-' + r.version + "-py3-none-any.whl", {}});
      p.releases.push_back(std::move(r));
    }
    if (auto res = visit(std::move(p)); !res) return res;
  }
  return {};
}

result<void> read_scenario(const std::string& path, const std::string& default_requires_python,
                           const project_visitor& visit) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return fail_at(errc::invalid_metadata, std::string("invalid TOML: ") + std::string(e.description()), path,
                   static_cast<std::uint32_t>(e.source().begin.line));
  }
  const toml::table* packages = tbl["packages"].as_table();
  if (!packages) return {};  // a scenario may have no packages (everything "does not exist")
  for (const auto& [name_key, pkg_node] : *packages) {
    project p;
    p.name = std::string(name_key.str());
    const toml::table* versions =
        pkg_node.as_table() ? (*pkg_node.as_table())["versions"].as_table() : nullptr;
    if (!versions) {
      return fail_at(errc::invalid_metadata, "package " + p.name + " has no versions table", path,
                     static_cast<std::uint32_t>(name_key.source().begin.line));
    }
    for (const auto& [ver_key, ver_node] : *versions) {
      release r;
      r.version = std::string(ver_key.str());
      const auto line = static_cast<std::uint32_t>(ver_key.source().begin.line);
      const toml::table* vt = ver_node.as_table();
      if (!vt)
        return fail_at(errc::invalid_metadata,
                       "package " + p.name + " version " + r.version + ": not a table", path, line);
      auto strings = [&](const toml::node_view<const toml::node> node,
                         std::vector<std::string>& out) -> bool {
        if (!node) return true;
        const toml::array* arr = node.as_array();
        if (!arr) return false;
        for (const auto& item : *arr) {
          auto s = item.value<std::string>();
          if (!s) return false;
          out.push_back(std::move(*s));
        }
        return true;
      };
      auto bad = [&](const char* what) {
        return fail_at(errc::invalid_metadata,
                       "package " + p.name + " version " + r.version + ": bad " + what, path, line);
      };
      if (!strings((*vt)["requires"], r.fields.requires_dist)) return bad("requires");
      if (const toml::table* extras = (*vt)["extras"].as_table()) {
        for (const auto& [extra_key, deps] : *extras) {
          std::string extra(extra_key.str());
          std::vector<std::string> reqs;
          if (!strings(toml::node_view<const toml::node>(deps), reqs)) return bad("extras");
          for (auto& req : reqs) {
            // Same shape as setuptools' output: the extra joins any existing marker with `and`.
            auto semi = req.find(';');
            if (semi == std::string::npos) {
              r.fields.requires_dist.push_back(req + "; extra == \"" + extra + '"');
            } else {
              r.fields.requires_dist.push_back(req.substr(0, semi) + "; (" + req.substr(semi + 1) +
                                               ") and extra == \"" + extra + '"');
            }
          }
          r.fields.provides_extras.push_back(std::move(extra));
        }
      }
      r.fields.requires_python = (*vt)["requires_python"].value_or(default_requires_python);
      r.sdist = (*vt)["sdist"].value_or(true);
      bool wheel = (*vt)["wheel"].value_or(true);
      std::vector<std::string> tags;
      if (!strings((*vt)["wheel_tags"], tags)) return bad("wheel_tags");
      if (tags.empty()) tags.emplace_back("py3-none-any");
      if (wheel)
        for (auto& tag : tags)
          r.wheels.push_back({wheel_name_part(p.name) + '-' + r.version + '-' + tag + ".whl", {}});
      if (auto y = (*vt)["yanked"].value<bool>(); y && *y) r.yanked = std::string();
      if (auto y = (*vt)["yanked"].value<std::string>()) r.yanked = *y;
      p.releases.push_back(std::move(r));
    }
    if (auto res = visit(std::move(p)); !res) return res;
  }
  return {};
}

}  // namespace pyresolve::make_index
