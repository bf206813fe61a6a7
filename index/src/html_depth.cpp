#include "detail/html_depth.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace pyresolve::index::detail {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char to_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& set) noexcept {
  return std::find(set.begin(), set.end(), name) != set.end();
}

// HTML elements that never hold children.
constexpr std::array<std::string_view, 20> void_elements = {
    "area", "base",  "basefont", "bgsound", "br",   "col",   "embed",  "frame", "hr",  "image",
    "img",  "input", "keygen",   "link",    "meta", "param", "source", "track", "wbr", "menuitem"};
// Elements whose end tag may be left out: a new one closes the old (or the parser inserts
// them itself), so they cannot pile up on their own.
constexpr std::array<std::string_view, 21> optional_end = {
    "p",  "li", "dt",    "dd",    "option", "optgroup", "rb",      "rt",   "rtc",  "rp",  "tr",
    "td", "th", "thead", "tbody", "tfoot",  "colgroup", "caption", "html", "head", "body"};
// Elements whose content is text up to their own end tag (script has rules of its own).
constexpr std::array<std::string_view, 7> raw_text = {"style",    "xmp",      "iframe", "noembed",
                                                      "noframes", "textarea", "title"};
// Formatting elements the parser re-opens after a block closes them ("a" is handled apart).
constexpr std::array<std::string_view, 13> formatting = {
    "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"};
// The "special" category: an end tag never closes through them by the generic rule.
constexpr std::array<std::string_view, 83> special = {
    "address",    "applet",   "area",   "article", "aside",     "base",     "basefont", "bgsound",
    "blockquote", "body",     "br",     "button",  "caption",   "center",   "col",      "colgroup",
    "dd",         "details",  "dir",    "div",     "dl",        "dt",       "embed",    "fieldset",
    "figcaption", "figure",   "footer", "form",    "frame",     "frameset", "h1",       "h2",
    "h3",         "h4",       "h5",     "h6",      "head",      "header",   "hgroup",   "hr",
    "html",       "iframe",   "img",    "input",   "keygen",    "li",       "link",     "listing",
    "main",       "marquee",  "menu",   "meta",    "nav",       "noembed",  "noframes", "noscript",
    "object",     "ol",       "p",      "param",   "plaintext", "pre",      "script",   "search",
    "section",    "select",   "source", "style",   "summary",   "table",    "tbody",    "td",
    "template",   "textarea", "tfoot",  "th",      "thead",     "title",    "tr",       "track",
    "ul",         "wbr",      "xmp"};
// Start tags that end foreign (SVG/MathML) content ("font" only with color, face or size).
constexpr std::array<std::string_view, 44> breakout = {
    "b",     "big",   "blockquote", "body",   "br",   "center", "code",  "dd", "div",  "dl",   "dt",
    "em",    "embed", "h1",         "h2",     "h3",   "h4",     "h5",    "h6", "head", "hr",   "i",
    "img",   "li",    "listing",    "menu",   "meta", "nobr",   "ol",    "p",  "pre",  "ruby", "s",
    "small", "span",  "strong",     "strike", "sub",  "sup",    "table", "tt", "u",    "ul",   "var"};
// Foreign elements whose children are HTML again.
constexpr std::array<std::string_view, 9> integration_points = {
    "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"};

struct open_element {
  std::string name;
  bool foreign = false;
  bool blocks = false;  ///< an end tag does not close through it: special, or an integration point
};

class scanner {
 public:
  scanner(std::string_view page, std::size_t cap) : m_page(page), m_cap(cap) { m_stack.reserve(16); }

  bool exceeds() {
    std::size_t i = 0;
    const std::size_t n = m_page.size();
    while (i < n) {
      const auto lt = m_page.find('<', i);
      if (lt == std::string_view::npos || lt + 1 >= n) return false;
      i = lt + 1;
      const char c = m_page[i];
      if (c == '!') {
        i = skip_markup_declaration(i + 1);
      } else if (c == '/') {
        if (i + 1 < n && is_alpha(m_page[i + 1])) {
          std::string name;
          i = read_name(i + 1, name);
          bool self_closing = false, font_attrs = false;
          i = skip_attributes(i, self_closing, font_attrs);
          end_tag(name);
        } else {
          i = skip_to(i, ">");  // `</>` and bogus comments
        }
      } else if (c == '?') {
        i = skip_to(i, ">");
      } else if (is_alpha(c)) {
        std::string name;
        i = read_name(i, name);
        bool self_closing = false, font_attrs = false;
        i = skip_attributes(i, self_closing, font_attrs);
        if (i == std::string_view::npos) return false;  // the page ends inside the tag: it is text
        if (start_tag(name, self_closing, font_attrs, i)) return true;
      }
      if (i == std::string_view::npos) return false;
    }
    return false;
  }

 private:
  [[nodiscard]] bool foreign_mode() const noexcept {
    return !m_stack.empty() && m_stack.back().foreign && !one_of(m_stack.back().name, integration_points);
  }

  /// Returns true when the bound exceeds the cap. `i` is moved past raw text.
  bool start_tag(const std::string& name, bool self_closing, bool font_attrs, std::size_t& i) {
    if (foreign_mode()) {
      if (one_of(name, breakout) || (name == "font" && font_attrs)) {
        // The parser pops out of the foreign content and reprocesses the tag as HTML.
        while (!m_stack.empty() && m_stack.back().foreign && !one_of(m_stack.back().name, integration_points))
          m_stack.pop_back();
      } else {
        if (!self_closing) push(name, true);
        return over();
      }
    }
    if (name == "svg" || name == "math") {
      if (!self_closing) push(name, true);
      return over();
    }
    if (name == "plaintext") {
      i = std::string_view::npos;  // the rest of the page is text
      return false;
    }
    if (name == "script") {
      i = skip_script(i);
      return false;
    }
    if (one_of(name, raw_text)) {
      i = skip_raw_text(i, name);
      return false;
    }
    if (one_of(name, void_elements) || one_of(name, optional_end)) return false;
    if (name == "a") {
      // A new link closes an open one (when only phrasing content is above it), else it stays.
      close_to("a");
      m_open_links = 1;
    } else if (auto f = formatting_index(name); f < formatting.size()) {
      ++m_open_formatting[f];
      ++m_formatting_total;
    }
    push(name, false);
    return over();
  }

  void end_tag(const std::string& name) {
    if (name == "a") {
      m_open_links = 0;
    } else if (auto f = formatting_index(name); f < formatting.size() && m_open_formatting[f] > 0) {
      --m_open_formatting[f];
      --m_formatting_total;
    }
    close_to(name);
  }

  /// Pops to the topmost `name` when nothing above it is an element an end tag cannot close
  /// through; otherwise the tag is ignored (the parser ignores it too, or closes more).
  void close_to(std::string_view name) {
    for (std::size_t k = m_stack.size(); k > 0; --k) {
      const auto& e = m_stack[k - 1];
      if (e.name == name) {
        m_stack.resize(k - 1);
        return;
      }
      if (e.blocks) return;
    }
  }

  void push(const std::string& name, bool foreign) {
    const bool blocks = foreign ? one_of(name, integration_points) : one_of(name, special);
    m_stack.push_back(open_element{name, foreign, blocks});
  }

  [[nodiscard]] bool over() const noexcept {
    // Formatting elements left open are re-opened by the parser under later blocks.
    return m_stack.size() + m_formatting_total + m_open_links > m_cap;
  }

  static std::size_t formatting_index(std::string_view name) noexcept {
    return static_cast<std::size_t>(std::find(formatting.begin(), formatting.end(), name) -
                                    formatting.begin());
  }

  std::size_t skip_to(std::size_t from, std::string_view needle) const noexcept {
    const auto at = m_page.find(needle, from);
    return at == std::string_view::npos ? at : at + needle.size();
  }

  std::size_t read_name(std::size_t i, std::string& name) const {
    while (i < m_page.size() && !is_space(m_page[i]) && m_page[i] != '/' && m_page[i] != '>') {
      if (name.size() < 64) name += to_lower(m_page[i]);
      ++i;
    }
    return i;
  }

  /// Skips a tag's attributes to just past its `>`; npos when the page ends first.
  std::size_t skip_attributes(std::size_t i, bool& self_closing, bool& font_attrs) const {
    const std::size_t n = m_page.size();
    while (i < n) {
      const char c = m_page[i];
      if (is_space(c)) {
        ++i;
      } else if (c == '>') {
        return i + 1;
      } else if (c == '/') {
        if (i + 1 < n && m_page[i + 1] == '>') {
          self_closing = true;
          return i + 2;
        }
        ++i;
      } else {
        // An attribute name (its first character may be anything, `=` included).
        std::string attr;
        attr += to_lower(c);
        ++i;
        while (i < n && !is_space(m_page[i]) && m_page[i] != '/' && m_page[i] != '>' && m_page[i] != '=') {
          if (attr.size() < 8) attr += to_lower(m_page[i]);
          ++i;
        }
        if (attr == "color" || attr == "face" || attr == "size") font_attrs = true;
        while (i < n && is_space(m_page[i])) ++i;
        if (i < n && m_page[i] == '=') {
          ++i;
          while (i < n && is_space(m_page[i])) ++i;
          if (i < n && (m_page[i] == '"' || m_page[i] == '\'')) {
            const auto close = m_page.find(m_page[i], i + 1);
            if (close == std::string_view::npos) return close;
            i = close + 1;
          } else {
            while (i < n && !is_space(m_page[i]) && m_page[i] != '>') ++i;
          }
        }
      }
    }
    return std::string_view::npos;
  }

  /// After `<!`: a comment, CDATA (in foreign content) or a bogus comment (doctype...).
  std::size_t skip_markup_declaration(std::size_t i) const {
    if (m_page.substr(i, 2) == "--") {
      i += 2;
      if (m_page.substr(i, 1) == ">") return i + 1;   // <!-->
      if (m_page.substr(i, 2) == "->") return i + 2;  // <!--->
      const auto a = m_page.find("-->", i);
      const auto b = m_page.find("--!>", i);
      if (a == std::string_view::npos && b == std::string_view::npos) return std::string_view::npos;
      return a <= b ? a + 3 : b + 4;
    }
    if (foreign_mode() && m_page.substr(i, 7) == "[CDATA[") return skip_to(i + 7, "]]>");
    return skip_to(i, ">");
  }

  /// Whether `</name` (any case) followed by a space, `/` or `>` starts at `i`.
  bool end_tag_at(std::size_t i, std::string_view name) const noexcept {
    if (i + 2 + name.size() >= m_page.size() || m_page[i] != '<' || m_page[i + 1] != '/') return false;
    for (std::size_t k = 0; k < name.size(); ++k)
      if (to_lower(m_page[i + 2 + k]) != name[k]) return false;
    const char after = m_page[i + 2 + name.size()];
    return is_space(after) || after == '/' || after == '>';
  }

  /// Skips text up to the element's own end tag and past it.
  std::size_t skip_raw_text(std::size_t i, std::string_view name) const {
    for (auto lt = m_page.find("</", i); lt != std::string_view::npos; lt = m_page.find("</", lt + 2)) {
      if (end_tag_at(lt, name)) {
        bool self_closing = false, font_attrs = false;
        return skip_attributes(lt + 2 + name.size(), self_closing, font_attrs);
      }
    }
    return std::string_view::npos;
  }

  /// Script data, with its escaped (`<!--`) and double-escaped (`<!--<script>`) states, to
  /// just past `</script>`.
  std::size_t skip_script(std::size_t i) const {
    enum class state { data, escaped, double_escaped } s = state::data;
    const std::size_t n = m_page.size();
    auto starts_script = [&](std::size_t at) {
      if (at + 7 >= n || m_page[at] != '<') return false;
      for (std::size_t k = 0; k < 6; ++k)
        if (to_lower(m_page[at + 1 + k]) != "script"[k]) return false;
      const char after = m_page[at + 7];
      return is_space(after) || after == '/' || after == '>';
    };
    while (i < n) {
      switch (s) {
        case state::data:
          if (m_page.compare(i, 4, "<!--") == 0) {
            s = state::escaped;
            i += 2;  // the dashes of `<!--` may be those of `-->` (`<!-->`)
            continue;
          }
          if (end_tag_at(i, "script")) {
            bool self_closing = false, font_attrs = false;
            return skip_attributes(i + 8, self_closing, font_attrs);
          }
          break;
        case state::escaped:
          if (m_page.compare(i, 3, "-->") == 0) {
            s = state::data;
            i += 3;
            continue;
          }
          if (end_tag_at(i, "script")) {
            bool self_closing = false, font_attrs = false;
            return skip_attributes(i + 8, self_closing, font_attrs);
          }
          if (starts_script(i)) {
            s = state::double_escaped;
            i += 7;
            continue;
          }
          break;
        case state::double_escaped:
          if (m_page.compare(i, 3, "-->") == 0) {
            s = state::data;
            i += 3;
            continue;
          }
          if (end_tag_at(i, "script")) {
            s = state::escaped;
            i += 8;
            continue;
          }
          break;
      }
      ++i;
    }
    return std::string_view::npos;
  }

  std::string_view m_page;
  std::size_t m_cap;
  std::vector<open_element> m_stack;
  std::array<std::size_t, formatting.size()> m_open_formatting{};
  std::size_t m_formatting_total = 0;
  std::size_t m_open_links = 0;
};

}  // namespace

bool html_nesting_exceeds(std::string_view page, std::size_t cap) { return scanner(page, cap).exceeds(); }

}  // namespace pyresolve::index::detail
