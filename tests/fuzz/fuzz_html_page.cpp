// HTML project pages (parse_html_page, with the nesting bound in front of gumbo): never crash,
// never accept a link a page may not make or a filename that is a path, never take long.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detail/html_depth.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/tags.hpp"

using namespace pyresolve;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)index::detail::html_nesting_exceeds(body, index::detail::html_max_nesting);
  for (const char* page_url : {"https://u:secret@example.org/simple/x/", "http://example.org/simple/x/"}) {
    auto page = index::parse_html_page(body, page_url);
    if (!page) {
      // The page URL's password never shows; the page's own text may, when it says "secret".
      if (page.error().to_string().find("secret") != std::string::npos &&
          body.find("secret") == std::string_view::npos)
        std::abort();
      continue;
    }
    for (const auto& f : page->files) {
      if (!index::link_allowed(page_url, f.url)) std::abort();
      if (packaging::unsafe_filename(f.filename) != nullptr) std::abort();
    }
  }
  return 0;
}
