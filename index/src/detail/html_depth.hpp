#pragma once
// An upper bound on how deeply an HTML parser will nest a page's elements, found without
// building a tree. gumbo's cost per token grows with the depth of its open-element stack
// (scope checks walk it), so a page of nested <div>s costs time quadratic in its size; pages
// whose bound exceeds a cap are refused before gumbo sees them.
#include <cstddef>
#include <string_view>

#include "pyresolve/support/export.hpp"

namespace pyresolve::index::detail {

/// The most elements a project page may nest (as bounded by `html_nesting_exceeds`). Real
/// index pages nest a handful (html, body, a few containers, a): the cap is far above them
/// and far below where parsing gets slow.
inline constexpr std::size_t html_max_nesting = 256;

/// True when the page could make an HTML5 parser nest more than `cap` elements. It follows
/// the HTML tokenizer (comments, raw text and script data, foreign content and its
/// self-closing tags) and tree construction closely enough never to under-count: end tags
/// close only what the parser would close for sure, elements whose end tags are optional
/// (p, li, td, option, ...) and void elements are not counted (they cannot nest in
/// themselves), and formatting elements left open count, as the parser re-opens them.
/// Linear in the page's size times `cap`; allocates at most `cap` stack entries. Exported
/// (PYRESOLVE_API) for tests/index/hostile_test.cpp, which calls it in a shared build too.
[[nodiscard]] PYRESOLVE_API bool html_nesting_exceeds(std::string_view page, std::size_t cap);

}  // namespace pyresolve::index::detail
