#pragma once
// The PEP 691 page walk that lives in libpyresolve_index_json.so (index/json/), with simdjson:
// a warm resolve parses no page, and mapping simdjson at every start cost each run of
// `resolve` (benches/results/2026-11-27-resolver-performance-log.md). The index module opens it on the first
// JSON page (dl::load_json) and turns what it reports into a project_page (project_page.cpp). Both sides are
// built from this header by the same compiler, so C++ types cross the boundary; only the entry point has C
// linkage, to be found by name.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pyresolve::index::detail {

/// One entry of a page's `files`, as written: a field that is absent, or not of the type
/// PEP 691 gives it, is empty. Views into the walk's own copy of the page, valid during the
/// callback.
struct json_file {
  std::optional<std::string_view> filename;
  std::optional<std::string_view> url;
  std::optional<std::string_view> sha256;           ///< hashes.sha256
  std::optional<std::string_view> requires_python;  ///< requires-python
  bool yanked = false;                              ///< true, or a reason string
  std::string_view yanked_reason;
  /// core-metadata, else dist-info-metadata (PEP 714): the first key present decides;
  /// true, false, or an object (then `has_metadata`, with its sha256 if any).
  bool has_metadata = false;
  std::optional<std::string_view> metadata_sha256;
  std::optional<std::uint64_t> size;
};

/// What the walk reports to.
class json_page_sink {
 public:
  virtual ~json_page_sink() = default;
  /// The page's `name`, when it has a string one.
  virtual void name(std::string_view name) = 0;
  /// One file, in page order; false stops the walk (its error is the sink's to tell).
  virtual bool file(const json_file& file) = 0;
};

/// Walks `body`. Returns true when the page was walked to its end or the sink stopped it;
/// false with `error` set ("invalid JSON page: ...") when it is not a PEP 691 page.
using walk_json_page_fn = bool (*)(std::string_view body, json_page_sink& sink, std::string& error);

inline constexpr const char* json_library_soname = "libpyresolve_index_json.so";
inline constexpr const char* walk_json_page_symbol = "pyresolve_walk_json_page";

}  // namespace pyresolve::index::detail
