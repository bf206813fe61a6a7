// One project page out of the pages several indexes gave (see merged_page.hpp).

#include "merged_page.hpp"

#include <map>

#include "pyresolve/index/index_client.hpp"

namespace pyresolve::cache::detail {

result<page_view> merge_pages(std::string_view name, std::span<const ranked_page> pages,
                              const std::vector<std::string>& index_urls, bool ranked,
                              std::pmr::memory_resource* memory) {
  index::project_page merged;
  merged.name = std::string(name);
  std::map<packaging::version, std::uint8_t> taken;
  for (const auto& [rank, page] : pages) {
    for (std::size_t v = 0; v < page->size(); ++v) {
      if (!taken.emplace(page->version(v), rank).second) continue;  // an earlier index has it
      for (const auto& facts : page->files(v)) {
        index::dist_file file;
        if (!page->read_dist_file(facts, file)) continue;  // malformed: left out, as `entry` does
        // The entry stores no credentials; the view puts them back per origin.
        if (index::has_credentials(file.url)) file.url = index::strip_credentials(file.url);
        merged.files.push_back(std::move(file));
      }
    }
  }
  simple_entry entry;
  entry.map = index::build_version_map(merged, name);
  const std::string source = "the pages of '" + std::string(name) + "' merged across indexes";
  auto view = page_view::load(encode_simple(entry), source, memory);
  if (!view) return view;
  for (const auto& [rank, page] : pages) {
    const std::string& url = index_urls[rank];
    if (index::has_credentials(url)) view->set_credentials_from(url);
  }
  std::pmr::vector<std::uint8_t> ranks(view->size(), 0, memory);
  for (std::size_t v = 0; v < view->size(); ++v) {
    const auto it = taken.find(view->version(v));
    if (it != taken.end()) ranks[v] = it->second;
  }
  view->set_index_ranks(std::move(ranks), ranked);
  return view;
}

}  // namespace pyresolve::cache::detail
