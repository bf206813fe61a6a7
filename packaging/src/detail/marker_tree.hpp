#pragma once
// The marker expression tree, shaped exactly like `packaging`'s nested lists so that printing
// (which drops or keeps parentheses depending on that shape) and evaluation order match.

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "detail/pep508_tokenizer.hpp"
#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging::detail {

enum class marker_op : std::uint8_t {
  less,
  less_equal,
  equal,
  not_equal,
  greater_equal,
  greater,
  compatible,
  arbitrary_equal,
  in,
  not_in,
};

[[nodiscard]] const char* to_string(marker_op op) noexcept;

/// `Variable` or `Value` of `_parser.py`.
struct marker_operand {
  bool is_variable = false;
  marker_var var = marker_var::extra;  ///< when `is_variable`
  std::string value;                   ///< when `!is_variable`: the evaluated string literal
};

struct marker_item {
  marker_operand lhs;
  marker_op op = marker_op::equal;
  marker_operand rhs;
  /// For the usual shape `variable op "literal"`, decided once after parsing (prepare_items):
  /// whether `op + literal` is a specifier, and that specifier. Evaluation otherwise parsed it
  /// for every call, building an error message for every literal that is not a version.
  bool prepared = false;
  std::optional<specifier> spec;
  std::string extra_literal;  ///< the literal canonicalized, when the variable is `extra`
};

}  // namespace pyresolve::packaging::detail

namespace pyresolve::packaging {

/// A `MarkerList` (`is_list`) of atoms joined by `and`/`or`, or a `MarkerItem`. The lists of a
/// tree live in the resource the tree was parsed into (allocator-aware, so a child pushed into
/// a list stays in its parent's resource). Item strings are short: they stay in `std::string`.
struct marker::node {
  using allocator_type = std::pmr::polymorphic_allocator<>;

  node() = default;
  explicit node(const allocator_type& alloc) : children(alloc), joined_by_or(alloc) {}
  node(const node&) = default;
  node(node&&) noexcept = default;
  node(const node& other, const allocator_type& alloc)
      : is_list(other.is_list),
        item(other.item),
        children(other.children, alloc),
        joined_by_or(other.joined_by_or, alloc) {}
  node(node&& other, const allocator_type& alloc)
      : is_list(other.is_list),
        item(std::move(other.item)),
        children(std::move(other.children), alloc),
        joined_by_or(std::move(other.joined_by_or), alloc) {}
  node& operator=(const node&) = default;
  node& operator=(node&&) = default;
  ~node() = default;

  bool is_list = true;
  detail::marker_item item;             ///< when `!is_list`
  std::pmr::vector<node> children;      ///< when `is_list`
  std::pmr::vector<bool> joined_by_or;  ///< `joined_by_or[i]` joins children i and i + 1
};

}  // namespace pyresolve::packaging

namespace pyresolve::packaging::detail {

/// `_parse_marker`: parses at the tokenizer's position; on failure the tokenizer holds the error.
[[nodiscard]] marker::node parse_marker_list(tokenizer& t,
                                             std::pmr::memory_resource* memory = support::default_resource());

/// `_normalize_extra_values`: only the first atom of the top level is normalized, as in 23.0.
void normalize_extra_values(marker::node& root);
/// Decides `marker_item::prepared` for one item (the parsers of `marker::parse` do it for the
/// whole tree; requirements leave their markers' items to be decided when evaluated).
void prepare_item(marker_item& item, std::pmr::memory_resource* memory);

/// Grants the parser of requirements access to `marker`'s private constructor.
struct marker_access {
  [[nodiscard]] static marker make(marker::node root);
  /// The expression tree of `m`, null for the empty marker.
  [[nodiscard]] static const marker::node* root(const marker& m) noexcept { return m.m_root.get(); }
};

}  // namespace pyresolve::packaging::detail
