// make-index: materializes a static PEP 503/691/658/714 index tree from resolver test data.
// Exit codes: 0 success, 2 bad input or I/O failure (the message names file and record).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model.hpp"
#include "pyresolve/packaging/name.hpp"
#include "writer.hpp"

namespace mi = pyresolve::make_index;
using pyresolve::result;

namespace {

struct input {
  enum class kind { snapshot, universe, scenario } type;
  std::string path;
};

result<void> for_each_project(const std::vector<input>& inputs, const std::string& default_rp,
                              const mi::project_visitor& visit) {
  for (const auto& in : inputs) {
    result<void> r = [&]() -> result<void> {
      switch (in.type) {
        case input::kind::snapshot:
          return mi::read_snapshot(in.path, visit);
        case input::kind::universe:
          return mi::read_universe(in.path, visit);
        case input::kind::scenario:
          return mi::read_scenario(in.path, default_rp, visit);
      }
      return {};
    }();
    if (!r) {
      auto e = r.error();
      if (e.source.empty()) e.source = in.path;
      return pyresolve::unexpected<pyresolve::error>{std::move(e)};
    }
  }
  return {};
}

/// Root names from a requirements file (one per line, `#` comments, `-r`/`--` options skipped)
/// or, when `spec` is not a readable file, from a `;`-separated list of requirement strings.
std::vector<std::string> closure_roots(const std::string& spec) {
  std::vector<std::string> roots;
  std::ifstream file(spec);
  auto add = [&](std::string_view text) {
    auto hash = text.find('#');
    if (hash != std::string_view::npos) text = text.substr(0, hash);
    auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || text[first] == '-') return;
    auto name = mi::requirement_name(text);
    if (!name.empty()) roots.push_back(std::move(name));
  };
  std::string line;
  if (file) {
    while (std::getline(file, line)) add(line);
  } else {
    std::stringstream ss(spec);
    while (std::getline(ss, line, ';')) add(line);
  }
  return roots;
}

void append_json(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

/// One project in the peers' universe format: version -> requires_dist, requires_python, yanked.
std::string universe_fragment(const mi::project& p) {
  std::string out = "{";
  bool first = true;
  for (const auto& r : p.releases) {
    if (!first) out += ',';
    first = false;
    out += "\n    ";
    append_json(out, r.version);
    out += ": {\"requires_dist\": [";
    for (std::size_t i = 0; i < r.fields.requires_dist.size(); ++i) {
      if (i) out += ", ";
      append_json(out, r.fields.requires_dist[i]);
    }
    out += ']';
    if (!r.fields.requires_python.empty()) {
      out += ", \"requires_python\": ";
      append_json(out, r.fields.requires_python);
    }
    if (!r.fields.provides_extras.empty()) {
      out += ", \"provides_extra\": [";
      for (std::size_t i = 0; i < r.fields.provides_extras.size(); ++i) {
        if (i) out += ", ";
        append_json(out, r.fields.provides_extras[i]);
      }
      out += ']';
    }
    if (r.yanked) out += ", \"yanked\": true";
    out += '}';
  }
  out += "}";
  return out;
}

int report(const pyresolve::error& e) {
  std::fprintf(stderr, "make-index: %s\n", e.to_string().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"make-index: write a static PEP 503/691/658 simple index from resolver test data"};
  std::vector<std::string> snapshots, universes, scenarios;
  std::string out, closure_of, emit_universe, default_rp = ">=3.8";
  mi::writer_options options;
  bool quiet = false;
  app.add_option("--snapshot", snapshots, "pypi-deps-db style JSONL file, plain or .zst");
  app.add_option("--universe", universes, "peers' universe JSON file");
  app.add_option("--scenario", scenarios, "uv/packse scenario TOML file");
  app.add_option("--closure-of", closure_of,
                 "requirements file or ';'-separated requirements: index only what they can reach");
  app.add_option("--out", out, "output directory (the tree's root; pages under simple/, files under files/)");
  app.add_option("--emit-universe", emit_universe, "also write what was indexed as universe JSON");
  app.add_option("--scenario-default-requires-python", default_rp,
                 "Requires-Python of scenario versions that set none (packse's default)");
  app.add_flag("--with-wheels", options.with_wheels, "write real minimal wheels and hash their bytes");
  app.add_flag("--dry-run", options.dry_run, "read, render and hash everything but write no files (timing)");
  app.add_flag("-q,--quiet", quiet, "no summary line");
  CLI11_PARSE(app, argc, argv);
  if (out.empty() && !options.dry_run) {
    std::fprintf(stderr, "make-index: --out is required\n");
    return 2;
  }
  std::vector<input> inputs;
  for (auto& s : snapshots) inputs.push_back({input::kind::snapshot, s});
  for (auto& s : universes) inputs.push_back({input::kind::universe, s});
  for (auto& s : scenarios) inputs.push_back({input::kind::scenario, s});
  if (inputs.empty()) {
    std::fprintf(stderr, "make-index: give at least one --snapshot, --universe or --scenario\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();

  // Pass 1 (only with --closure-of): the name graph, then the reachable set. Streaming the
  // inputs twice keeps memory small even for the 1 GB full snapshot.
  std::optional<std::set<std::string>> keep;
  if (!closure_of.empty()) {
    std::map<std::string, std::set<std::string>> graph;
    auto collect = [&](mi::project&& p) -> result<void> {
      auto& deps = graph[pyresolve::packaging::normalize_name(p.name)];
      for (const auto& r : p.releases) {
        for (const auto& req : r.fields.requires_dist) deps.insert(mi::requirement_name(req));
        for (const auto& w : r.wheels)
          if (w.fields)
            for (const auto& req : w.fields->requires_dist) deps.insert(mi::requirement_name(req));
      }
      return {};
    };
    if (auto r = for_each_project(inputs, default_rp, collect); !r) return report(r.error());
    keep.emplace();
    std::vector<std::string> todo = closure_roots(closure_of);
    while (!todo.empty()) {
      auto name = std::move(todo.back());
      todo.pop_back();
      if (!keep->insert(name).second) continue;
      if (auto it = graph.find(name); it != graph.end())
        for (const auto& d : it->second)
          if (!d.empty() && !keep->count(d)) todo.push_back(d);
    }
  }

  options.out = out;
  mi::index_writer writer(options);
  if (auto r = writer.begin(); !r) return report(r.error());
  std::map<std::string, std::string> universe;
  auto write = [&](mi::project&& p) -> result<void> {
    auto norm = pyresolve::packaging::normalize_name(p.name);
    if (keep && !keep->count(norm)) return {};
    if (!emit_universe.empty()) universe[norm] = universe_fragment(p);
    return writer.write_project(p);
  };
  if (auto r = for_each_project(inputs, default_rp, write); !r) return report(r.error());
  if (auto r = writer.finish(); !r) return report(r.error());

  if (!emit_universe.empty()) {
    // Written beside the target and renamed into place, so a failed run never leaves a
    // half-written universe for the peers to read.
    const std::string partial = emit_universe + ".partial";
    std::ofstream u(partial, std::ios::binary | std::ios::trunc);
    u << "{\"packages\": {";
    bool first = true;
    for (const auto& [name, fragment] : universe) {
      if (!first) u << ',';
      first = false;
      std::string key;
      append_json(key, name);
      u << "\n  " << key << ": " << fragment;
    }
    u << "\n}}\n";
    u.close();
    std::error_code ec;
    if (u.fail() || (std::filesystem::rename(partial, emit_universe, ec), ec)) {
      std::filesystem::remove(partial, ec);
      return report({pyresolve::errc::io_error, "cannot write universe", emit_universe, 0, 0});
    }
  }
  if (!quiet) {
    const auto& s = writer.stats();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "make-index: %llu projects, %llu releases, %llu files, %.1f MB in %.2f s\n",
                 static_cast<unsigned long long>(s.projects), static_cast<unsigned long long>(s.releases),
                 static_cast<unsigned long long>(s.files), static_cast<double>(s.bytes) / 1e6, secs);
  }
  return 0;
}
