#include "pyresolve/index/project_page.hpp"

#include "detail/backend.hpp"
#include "detail/html_depth.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/tags.hpp"

namespace pyresolve::index {
namespace {

struct curl_url_deleter {
  void operator()(CURLU* u) const noexcept { detail::io().curl.curl_url_cleanup(u); }
};
using url_handle = std::unique_ptr<CURLU, curl_url_deleter>;

struct curl_string {
  char* p = nullptr;
  ~curl_string() { detail::io().curl.curl_free(p); }
};

unexpected<error> page_error(std::string_view url, std::string message) {
  return unexpected<error>{error{errc::invalid_argument, std::move(message), redact_url(url), 0, 0}};
}

/// Splits `#sha256=...` (and other `#<algo>=` fragments) off a link.
template <class Url, class Hash>
void split_fragment(Url& url, Hash& sha256) {
  auto hash = url.find('#');
  if (hash == Url::npos) return;
  std::string_view frag = std::string_view(url).substr(hash + 1);
  if (frag.starts_with("sha256=")) sha256 = frag.substr(7);
  url.resize(hash);
}

std::string lower(std::string_view text) {
  std::string s(text);
  for (auto& c : s) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  return s;
}

/// Last path segment of a URL, percent-decoded (query and fragment already removed).
std::string url_basename(std::string_view url) {
  auto q = url.find_first_of("?#");
  if (q != std::string_view::npos) url = url.substr(0, q);
  auto slash = url.rfind('/');
  std::string_view seg = slash == std::string_view::npos ? url : url.substr(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (seg[i] == '%' && i + 2 < seg.size() && hex(seg[i + 1]) >= 0 && hex(seg[i + 2]) >= 0) {
      out += static_cast<char>(hex(seg[i + 1]) * 16 + hex(seg[i + 2]));
      i += 2;
    } else {
      out += seg[i];
    }
  }
  return out;
}

/// The lowercase scheme of an absolute URL; empty when there is none.
std::string scheme_of(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  return lower(url.substr(0, colon));
}

/// Checks a file's name (from the JSON `filename`, or the decoded last segment of an HTML link)
/// before it is used anywhere a path could be built from it.
std::optional<unexpected<error>> check_filename(std::string_view page_url, std::string_view filename) {
  if (const char* why = packaging::unsafe_filename(filename))
    return page_error(page_url,
                      "refusing file '" + packaging::printable(packaging::excerpt(filename)) + "': " + why);
  return std::nullopt;
}

/// Checks that a page may point at `target` (a file URL or a `<base href>`).
std::optional<unexpected<error>> check_link(std::string_view page_url, std::string_view target) {
  if (link_allowed(page_url, target)) return std::nullopt;
  return page_error(page_url, "refusing link to '" + packaging::printable(redact_url(target)) + "': a " +
                                  scheme_of(page_url) + " page may only link to " +
                                  (scheme_of(page_url) == "https"  ? "https"
                                   : scheme_of(page_url) == "http" ? "http or https"
                                                                   : "http, https or file") +
                                  " URLs");
}

}  // namespace

bool link_allowed(std::string_view page_url, std::string_view target) {
  const std::string from = scheme_of(page_url);
  const std::string to = scheme_of(target);
  // Never down: an https page's links stay https (a plain-http link could be rewritten on the
  // way), and only a local index may point at local files.
  if (from == "https") return to == "https";
  if (from == "http") return to == "http" || to == "https";
  if (from == "file") return to == "file" || to == "http" || to == "https";
  return false;
}

namespace {
/// Where the authority of `url` begins and its last '@' (relative to that beginning); npos
/// for either when there is none.
std::pair<std::size_t, std::size_t> credentials_end(std::string_view url) noexcept {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {std::string_view::npos, std::string_view::npos};
  const auto auth_begin = scheme + 3;
  auto auth_end = url.find_first_of("/?#", auth_begin);
  if (auth_end == std::string_view::npos) auth_end = url.size();
  return {auth_begin, url.substr(auth_begin, auth_end - auth_begin).rfind('@')};
}
}  // namespace

bool has_credentials(std::string_view url) noexcept {
  return credentials_end(url).second != std::string_view::npos;
}

std::string redact_url(std::string_view url) {
  const auto [auth_begin, at] = credentials_end(url);
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, auth_begin));
  out += "***@";
  out += url.substr(auth_begin + at + 1);
  return out;
}

result<std::string> resolve_url(std::string_view base, std::string_view reference) {
  if (const auto& loaded = detail::backend(); !loaded) return unexpected<error>{loaded.error()};
  url_handle h(detail::io().curl.curl_url());
  if (!h) return fail(errc::io_error, "out of memory");
  std::string b(base), r(reference);
  if (detail::io().curl.curl_url_set(h.get(), CURLUPART_URL, b.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK)
    return unexpected<error>{error{errc::invalid_argument, "malformed base URL", redact_url(base), 0, 0}};
  if (detail::io().curl.curl_url_set(h.get(), CURLUPART_URL, r.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK)
    return unexpected<error>{
        error{errc::invalid_argument,
              "malformed link '" + packaging::printable(packaging::excerpt(redact_url(reference))) + "'",
              redact_url(base), 0, 0}};
  curl_string out;
  if (detail::io().curl.curl_url_get(h.get(), CURLUPART_URL, &out.p, 0) != CURLUE_OK)
    return unexpected<error>{error{errc::invalid_argument, "cannot resolve link", redact_url(base), 0, 0}};
  return std::string(out.p);
}

result<project_page> parse_json_page(std::string_view body, std::string_view page_url) {
  const auto& io = detail::backend();
  if (!io) return unexpected<error>{io.error()};
  // Turns the walk's entries into files; the first problem stops the walk and is the answer.
  class collector final : public detail::json_page_sink {
   public:
    explicit collector(std::string_view url) : m_url(url) { m_page.url = redact_url(url); }
    void name(std::string_view name) override { m_page.name = std::string(name); }
    bool file(const detail::json_file& f) override {
      if (!f.filename) return stop(page_error(m_url, "invalid JSON page: a file has no 'filename'"));
      dist_file out;
      out.filename = *f.filename;
      if (auto bad = check_filename(m_url, out.filename)) return stop(std::move(*bad));
      if (!f.url)
        return stop(
            page_error(m_url, "invalid JSON page: file " + std::string(out.filename) + " has no 'url'"));
      std::string frag_sha;
      auto abs = resolve_url(m_url, *f.url);
      if (!abs) return stop(unexpected<error>{abs.error()});
      if (auto bad = check_link(m_url, *abs)) return stop(std::move(*bad));
      out.url = std::move(*abs);
      split_fragment(out.url, frag_sha);
      if (f.sha256) out.sha256 = lower(*f.sha256);
      if (out.sha256.empty()) out.sha256 = lower(frag_sha);
      if (f.requires_python) out.requires_python = *f.requires_python;
      out.yanked = f.yanked;
      out.yanked_reason = f.yanked_reason;
      out.has_metadata = f.has_metadata;
      if (f.metadata_sha256) out.metadata_sha256 = lower(*f.metadata_sha256);
      if (f.size) out.size = *f.size;
      if (f.upload_time_bad) return stop(bad_upload_time(out.filename, "not a string"));
      if (f.upload_time) {
        const auto at = parse_upload_time(*f.upload_time);
        if (!at)
          return stop(bad_upload_time(out.filename,
                                      "'" + packaging::printable(packaging::excerpt(*f.upload_time)) + "'"));
        out.upload_time = *at;
      }
      m_page.files.push_back(std::move(out));
      return true;
    }
    result<project_page> finish() && {
      if (m_failure) return std::move(*m_failure);
      return std::move(m_page);
    }

   private:
    unexpected<error> bad_upload_time(std::string_view filename, const std::string& what) const {
      return page_error(m_url, "invalid JSON page: file " + packaging::printable(filename) +
                                   " has a malformed 'upload-time' (" + what +
                                   "; PEP 700 wants yyyy-mm-ddThh:mm:ss[.ffffff]Z)");
    }
    bool stop(unexpected<error> failure) {
      m_failure.emplace(std::move(failure));
      return false;
    }
    std::string_view m_url;
    project_page m_page;
    std::optional<unexpected<error>> m_failure;
  };
  collector sink(page_url);
  std::string problem;
  if (!(*io)->walk_json_page(body, sink, problem)) return page_error(page_url, std::move(problem));
  return std::move(sink).finish();
}

namespace {

const char* attr(const GumboElement& el, const char* name) {
  const GumboAttribute* a = detail::io().gumbo.gumbo_get_attribute(&el.attributes, name);
  return a ? a->value : nullptr;
}

struct gumbo_output_deleter {
  void operator()(GumboOutput* o) const noexcept {
    detail::io().gumbo.gumbo_destroy_output(detail::io().gumbo.default_options, o);
  }
};

/// Parses a `data-core-metadata` value: `true`, or `sha256=<hex>`; `false` (nonstandard but
/// seen) or absence means none.
void parse_metadata_attr(const char* v, dist_file& out) {
  std::string_view s(v);
  if (s == "false") return;
  out.has_metadata = true;
  if (s.starts_with("sha256=")) out.metadata_sha256 = lower(s.substr(7));
}

}  // namespace

result<project_page> parse_html_page(std::string_view body, std::string_view page_url) {
  if (const auto& loaded = detail::backend(); !loaded) return unexpected<error>{loaded.error()};
  // gumbo's time per token grows with the depth of its open elements: a page that could
  // nest deeper than any index page does is refused before it is parsed.
  if (detail::html_nesting_exceeds(body, detail::html_max_nesting))
    return page_error(page_url, "invalid HTML page: elements nest deeper than " +
                                    std::to_string(detail::html_max_nesting) + " levels");
  // gumbo copies its open-element stack into every parse error it records; nothing here reads
  // them, and a hostile page makes one per element.
  GumboOptions options = *detail::io().gumbo.default_options;
  options.max_errors = 0;
  std::unique_ptr<GumboOutput, gumbo_output_deleter> doc(
      detail::io().gumbo.gumbo_parse_with_options(&options, body.data(), body.size()));
  if (!doc) return page_error(page_url, "invalid HTML page: the parser gave up");
  project_page page;
  page.url = redact_url(page_url);
  std::string base(page_url);
  // Iterative walk: a hostile page may nest deeply enough to overflow a recursive one.
  std::vector<const GumboNode*> stack{doc->root};
  std::vector<const GumboElement*> anchors;
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboElement& el = node->v.element;
    if (el.tag == GUMBO_TAG_BASE) {
      if (const char* href = attr(el, "href")) {
        auto r = resolve_url(page_url, href);
        if (r) {
          if (auto bad = check_link(page_url, *r)) return std::move(*bad);
          base = *r;
        }
      }
    } else if (el.tag == GUMBO_TAG_A) {
      anchors.push_back(&el);
    }
    for (unsigned i = el.children.length; i > 0; --i)
      stack.push_back(static_cast<const GumboNode*>(el.children.data[i - 1]));
  }
  for (const GumboElement* el : anchors) {
    const char* href = attr(*el, "href");
    if (!href) continue;
    dist_file out;
    auto abs = resolve_url(base, href);
    if (!abs) return unexpected<error>{abs.error()};
    if (auto bad = check_link(page_url, *abs)) return std::move(*bad);
    out.url = std::move(*abs);
    split_fragment(out.url, out.sha256);
    out.sha256 = lower(out.sha256);
    out.filename = url_basename(out.url);
    if (out.filename.empty()) continue;
    if (auto bad = check_filename(page_url, out.filename)) return std::move(*bad);
    if (const char* rp = attr(*el, "data-requires-python")) out.requires_python = rp;
    if (const char* y = attr(*el, "data-yanked")) {
      out.yanked = true;
      out.yanked_reason = y;
    }
    if (const char* m = attr(*el, "data-core-metadata"))
      parse_metadata_attr(m, out);
    else if (const char* d = attr(*el, "data-dist-info-metadata"))
      parse_metadata_attr(d, out);
    page.files.push_back(std::move(out));
  }
  return page;
}

const version_entry* version_map::find(const packaging::version& v) const {
  auto it =
      std::lower_bound(versions.begin(), versions.end(), v,
                       [](const version_entry& e, const packaging::version& x) { return e.version < x; });
  return (it != versions.end() && it->version == v) ? &*it : nullptr;
}

version_map build_version_map(const project_page& page, std::string_view normalized_name,
                              std::pmr::memory_resource* memory) {
  version_map out;
  out.name = std::string(normalized_name);
  std::map<std::string, std::int32_t, std::less<>> interned;
  std::vector<std::pair<packaging::version, version_file>> rows;
  rows.reserve(page.files.size());
  for (const auto& f : page.files) {
    version_file vf;
    packaging::version v;
    std::string_view fname = f.filename;
    if (fname.ends_with(".whl")) {
      auto w = packaging::wheel_filename::parse(fname);
      if (!w || w->name != normalized_name) {
        ++out.skipped_files;
        continue;
      }
      v = std::move(w->version);
      vf.kind = file_kind::wheel;
      vf.tags = std::move(w->tags);
      vf.build = std::move(w->build);
    } else {
      auto s = packaging::sdist_filename::parse(fname);
      if (!s || s->name != normalized_name) {
        ++out.skipped_files;
        continue;
      }
      v = std::move(s->version);
      vf.kind = file_kind::sdist;
    }
    if (!f.requires_python.empty()) {
      auto it = interned.find(std::string_view(f.requires_python));
      if (it == interned.end()) {
        auto idx = static_cast<std::int32_t>(out.requires_python_text.size());
        auto spec = packaging::specifier_set::parse(f.requires_python, memory);
        out.requires_python_text.emplace_back(f.requires_python);
        out.requires_python.push_back(spec ? std::move(*spec) : packaging::specifier_set{});
        it = interned.emplace(f.requires_python, idx).first;
      }
      vf.requires_python = it->second;
    }
    vf.file = f;
    rows.emplace_back(std::move(v), std::move(vf));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second.file.filename < b.second.file.filename;
  });
  for (auto& [v, vf] : rows) {
    if (out.versions.empty() || out.versions.back().version != v)
      out.versions.push_back(version_entry{v, {}});
    out.versions.back().files.push_back(std::move(vf));
  }
  (void)memory;
  return out;
}

}  // namespace pyresolve::index
