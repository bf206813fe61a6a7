// Answers the differential test's questions with pyresolve's packaging core, one line per
// case, in exactly the format gen_cases.py writes for Python's `packaging`.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"

namespace {

using namespace pyresolve::packaging;

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

const char* flag(bool b) { return b ? "1" : "0"; }

std::string answer_version(const std::string& text) {
  auto v = version::parse(text);
  if (!v) return "invalid";
  return "ok\t" + v->to_string() + '\t' + flag(v->is_prerelease()) + '\t' + flag(v->is_postrelease()) + '\t' +
         flag(v->is_devrelease()) + '\t' + v->public_version().to_string() + '\t' +
         v->base_version().to_string();
}

std::string answer_compare(const std::string& a, const std::string& b) {
  auto va = version::parse(a);
  auto vb = version::parse(b);
  if (!va || !vb) return "unparsed";
  const auto order = *va <=> *vb;
  return order < 0 ? "lt" : order > 0 ? "gt" : "eq";
}

std::string answer_spec(const std::string& spec, const std::string& candidate) {
  auto set = specifier_set::parse(spec);
  if (!set) return "invalid";
  auto v = version::parse(candidate);
  if (!v) return "unparsed";
  const bool with_pre = set->contains(*v, true);
  std::string ranges = v->has_local() ? "-" : flag(set->to_ranges().contains(*v));
  return "ok\t" + set->to_string() + '\t' + flag(set->contains(*v)) + '\t' + flag(with_pre) + '\t' + ranges;
}

std::string answer_marker(const std::string& text, const marker_environment& env, const std::string& extra) {
  auto m = marker::parse(text);
  if (!m) return "invalid";
  auto value = m->evaluate(env, extra);
  return "ok\t" + m->to_string() + '\t' + (value ? (*value ? "true" : "false") : "error");
}

std::string answer_requirement(const std::string& text) {
  auto req = requirement::parse(text);
  if (!req) return "invalid";
  return "ok\t" + req->to_string() + '\t' + req->normalized_name();
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::vector<marker_environment> environments;
  std::string line;
  std::string out;
  while (std::getline(std::cin, line)) {
    const auto f = split_tabs(line);
    const std::string& kind = f[0];
    if (kind == "env") {
      marker_environment env;
      for (std::size_t i = 1; i < f.size() && i <= marker_var_count; ++i) {
        env.values[i - 1] = f[i];
      }
      environments.push_back(std::move(env));
      continue;
    }
    if (kind == "version" && f.size() == 2) {
      out += answer_version(f[1]);
    } else if (kind == "compare" && f.size() == 3) {
      out += answer_compare(f[1], f[2]);
    } else if (kind == "spec" && f.size() == 3) {
      out += answer_spec(f[1], f[2]);
    } else if (kind == "marker" && f.size() == 4) {
      out += answer_marker(f[1], environments.at(std::stoul(f[2])), f[3]);
    } else if (kind == "requirement" && f.size() == 2) {
      out += answer_requirement(f[1]);
    } else if (kind == "name" && f.size() == 2) {
      out += std::string(flag(is_valid_name(f[1]))) + '\t' + normalize_name(f[1]);
    } else {
      std::fprintf(stderr, "driver: malformed case line: %s\n", line.c_str());
      return 2;
    }
    out += '\n';
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
