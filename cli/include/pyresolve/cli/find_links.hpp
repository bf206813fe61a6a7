#pragma once
/// @file
/// `--find-links` locations read into one flat listing of distribution files.

#include <string>
#include <vector>

#include "pyresolve/index/http.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// The most files one folder may list.
inline constexpr std::size_t max_find_links_files = 100'000;

/// Reads each location: a folder (its regular files named like a wheel or an sdist), a
/// `file:` URL of one, or an `http(s)` URL or local file of an HTML page (links checked as an
/// index page's are). An error names a location that cannot be read.
[[nodiscard]] result<index::project_page> read_find_links(const std::vector<std::string>& locations,
                                                          index::http_client& http);

}  // namespace pyresolve::cli
