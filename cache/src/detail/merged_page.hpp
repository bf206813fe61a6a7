#pragma once
// One project page out of the pages several indexes gave (`index::index_strategy`'s unsafe
// modes).

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pyresolve/cache/cache.hpp"

namespace pyresolve::cache::detail {

/// A page (index rank, view) as one index gave it; ranks ascend.
using ranked_page = std::pair<std::uint8_t, std::shared_ptr<const page_view>>;

/// Each version from the first index (lowest rank) that lists it, with that index's files
/// only. The view gets the credentials of every index in `index_urls` that gave a page (a
/// file takes those of its own origin) and each version's index rank, to be tried in order
/// when `ranked`.
/// `memory` holds the view, as `page_view::load`'s.
[[nodiscard]] result<page_view> merge_pages(std::string_view name, std::span<const ranked_page> pages,
                                            const std::vector<std::string>& index_urls, bool ranked,
                                            std::pmr::memory_resource* memory);

}  // namespace pyresolve::cache::detail
