#pragma once
// The PEP 691 page walk (index/io/json_walk.cpp, with simdjson), reached through the I/O
// backend (backend.hpp: `io_backend::walk_json_page`); project_page.cpp turns what it reports
// into a project_page.
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
  /// upload-time (PEP 700) when a string; `upload_time_bad` when present as anything else
  /// but null (the parser makes that a page error).
  std::optional<std::string_view> upload_time;
  bool upload_time_bad = false;
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
/// Nothing is thrown out of it.
using walk_json_page_fn = bool (*)(std::string_view body, json_page_sink& sink, std::string& error) noexcept;

/// The walk with simdjson (index/io/json_walk.cpp).
bool walk_json_page(std::string_view body, json_page_sink& sink, std::string& error) noexcept;

}  // namespace pyresolve::index::detail
