// The PEP 691 page walk with simdjson (index/src/detail/json_walk.hpp).
#include <simdjson.h>

#include "detail/json_walk.hpp"

namespace {

using pyresolve::index::detail::json_file;
using pyresolve::index::detail::json_page_sink;

/// `parent[key]` when it is a string (`parent`: an element or an object).
template <class Parent>
std::optional<std::string_view> string_at(Parent parent, const char* key) {
  std::string_view value;
  if (parent[key].get(value)) return std::nullopt;
  return value;
}

json_file read_file(simdjson::dom::element f) {
  json_file out;
  out.filename = string_at(f, "filename");
  out.url = string_at(f, "url");
  simdjson::dom::object hashes;
  if (!f["hashes"].get(hashes)) out.sha256 = string_at(hashes, "sha256");
  out.requires_python = string_at(f, "requires-python");
  simdjson::dom::element yanked;
  if (!f["yanked"].get(yanked)) {
    bool flag = false;
    std::string_view reason;
    if (!yanked.get(flag)) {
      out.yanked = flag;
    } else if (!yanked.get(reason)) {
      out.yanked = true;
      out.yanked_reason = reason;
    }
  }
  // PEP 714 renamed `dist-info-metadata` to `core-metadata`; the new key is read first.
  for (const char* key : {"core-metadata", "dist-info-metadata"}) {
    simdjson::dom::element metadata;
    if (f[key].get(metadata)) continue;
    bool flag = false;
    simdjson::dom::object described;
    if (!metadata.get(flag)) {
      out.has_metadata = flag;
    } else if (!metadata.get(described)) {
      out.has_metadata = true;
      out.metadata_sha256 = string_at(described, "sha256");
    }
    break;
  }
  std::uint64_t size = 0;
  if (!f["size"].get(size)) out.size = size;
  simdjson::dom::element uploaded;
  if (!f["upload-time"].get(uploaded) && !uploaded.is_null()) {
    std::string_view text;
    if (!uploaded.get(text)) {
      out.upload_time = text;
    } else {
      out.upload_time_bad = true;
    }
  }
  return out;
}

bool walk(std::string_view body, json_page_sink& sink, std::string& error) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    error = std::string("invalid JSON page: ") + simdjson::error_message(err);
    return false;
  }
  simdjson::dom::object root;
  if (doc.get(root)) {
    error = "invalid JSON page: top level is not an object";
    return false;
  }
  if (auto name = string_at(root, "name")) sink.name(*name);
  simdjson::dom::array files;
  if (root["files"].get(files)) {
    error = "invalid JSON page: no 'files' array";
    return false;
  }
  for (simdjson::dom::element f : files) {
    if (!sink.file(read_file(f))) return true;
  }
  return true;
}

}  // namespace

namespace pyresolve::index::detail {

bool walk_json_page(std::string_view body, json_page_sink& sink, std::string& error) noexcept {
  // Reached through the backend table, possibly across a dlopen boundary: nothing may be
  // thrown out of it. Only allocation can throw here (the padded copy, the parser's buffers,
  // the sink's strings).
  try {
    return walk(body, sink, error);
  } catch (...) {
    error = "invalid JSON page: out of memory";
    return false;
  }
}

}  // namespace pyresolve::index::detail
