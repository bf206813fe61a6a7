#pragma once
/// @file
/// A project page of a simple repository (PEP 503 HTML or PEP 691 JSON) and the version map
/// the resolver reads from it.

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/index/upload_time.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/tags.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index {

/// One distribution file as listed on a project page.
///
/// `std::pmr` strings: a resolve materializes one for every metadata file it reads, in the
/// resource of its choice. A copy takes the default resource, a move keeps the source's.
struct PYRESOLVE_API dist_file {
  std::pmr::string filename;
  std::pmr::string url;              ///< absolute, fragment removed
  std::pmr::string sha256;           ///< lowercase hex; empty when the index gives none
  std::pmr::string requires_python;  ///< as written (HTML entities decoded); empty when absent
  bool yanked = false;
  std::pmr::string yanked_reason;    ///< empty when yanked without a reason
  bool has_metadata = false;         ///< PEP 658/714: `<url>.metadata` exists
  std::pmr::string metadata_sha256;  ///< of the `.metadata` file; empty when not given
  std::optional<std::uint64_t> size;
  /// PEP 700 `upload-time`, microseconds since the Unix epoch (UTC); `no_upload_time` when
  /// the page gives none (HTML pages never do).
  std::int64_t upload_time = no_upload_time;

  dist_file() = default;
  /// An empty listing whose strings allocate from `memory`.
  explicit dist_file(std::pmr::memory_resource* memory)
      : filename(memory),
        url(memory),
        sha256(memory),
        requires_python(memory),
        yanked_reason(memory),
        metadata_sha256(memory) {}
};

/// A parsed project page.
struct PYRESOLVE_API project_page {
  std::string name;  ///< as the page gives it (JSON `name`), else the requested name
  std::string url;   ///< the URL the page was read from (credentials redacted)
  std::vector<dist_file> files;
};

/// Whether a page read from `page_url` may point at `target` (a file URL or a `<base href>`):
/// an https page only at https, an http page at http or https, a `file:` page (a local index)
/// at file, http or https; a page of any other scheme at nothing.
[[nodiscard]] PYRESOLVE_API bool link_allowed(std::string_view page_url, std::string_view target);

/// Parses a PEP 691 JSON page. Relative file URLs are resolved against `page_url`. A file's
/// `upload-time` (PEP 700) is read with `parse_upload_time`; one that does not parse (or is
/// neither a string nor null) is a page error naming the file.
/// Errors (`errc::invalid_argument`) carry `page_url` as source and say what is wrong; a file
/// whose URL `link_allowed` refuses, or whose filename `packaging::unsafe_filename` refuses
/// (a path separator, a control byte, a dot segment), makes the whole page an error: such a
/// page is hostile or broken, and nothing of it is used.
[[nodiscard]] PYRESOLVE_API result<project_page> parse_json_page(std::string_view body,
                                                                 std::string_view page_url);

/// Parses a PEP 503 HTML page with gumbo: every `<a href>`, `<base href>` honoured,
/// `#sha256=` fragments, `data-requires-python`, `data-yanked`, `data-core-metadata` and
/// `data-dist-info-metadata` (entities decoded by the HTML parser). Links and filenames are
/// checked as in `parse_json_page` (a `<base href>` too; filenames are the percent-decoded
/// last URL segment, so `%2F` is a separator).
[[nodiscard]] PYRESOLVE_API result<project_page> parse_html_page(std::string_view body,
                                                                 std::string_view page_url);

/// The kind of a distribution file, from its filename.
enum class file_kind : std::uint8_t { wheel, sdist };

/// A file of one version with its parsed filename.
struct PYRESOLVE_API version_file {
  dist_file file;
  file_kind kind = file_kind::wheel;
  packaging::compressed_tag_set tags;         ///< wheels only
  std::optional<packaging::build_tag> build;  ///< wheels only
  std::int32_t requires_python = -1;          ///< index into `version_map::requires_python`, -1: none
};

/// The files of one version.
struct PYRESOLVE_API version_entry {
  packaging::version version;
  std::vector<version_file> files;  ///< sorted by filename
};

/// A project's versions, ascending, with files grouped per version and requires-python
/// texts interned (parsed once per distinct text). Immutable after construction; thread-safe
/// for reads.
struct PYRESOLVE_API version_map {
  std::string name;                                       ///< PEP 503-normalized
  std::vector<version_entry> versions;                    ///< ascending PEP 440 order
  std::vector<std::string> requires_python_text;          ///< interned texts
  std::vector<packaging::specifier_set> requires_python;  ///< parsed, same indexes
  /// Files whose names are neither a valid wheel nor a valid sdist (skipped, as uv does).
  std::size_t skipped_files = 0;

  /// The entry of exactly `v`, or nullptr.
  [[nodiscard]] const version_entry* find(const packaging::version& v) const;
};

/// Builds the version map of a page. Files with unparseable names or a name of another
/// project are skipped (counted), and an unparseable requires-python makes that file's
/// requirement empty (as pip and uv do, they ignore it), never the whole page fail.
[[nodiscard]] PYRESOLVE_API version_map
build_version_map(const project_page& page, std::string_view normalized_name,
                  std::pmr::memory_resource* memory = support::default_resource());

/// Strips `user:password@` from a URL for logs and errors.
[[nodiscard]] PYRESOLVE_API std::string redact_url(std::string_view url);
/// Whether a URL carries `user[:password]@` (what `redact_url` would hide); allocates nothing.
[[nodiscard]] PYRESOLVE_API bool has_credentials(std::string_view url) noexcept;

/// Resolves `reference` against `base` (RFC 3986, with curl's URL parser). Returns an error
/// when either is malformed.
[[nodiscard]] PYRESOLVE_API result<std::string> resolve_url(std::string_view base,
                                                            std::string_view reference);

}  // namespace pyresolve::index
