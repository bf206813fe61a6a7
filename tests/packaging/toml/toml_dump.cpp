// Test helper for toml_differential.py: reads a TOML file (or several, given one path per line
// on standard input with --batch) and prints each parsed document as one line of JSON in
// toml-test's tagged form ({"type": "integer", "value": "1"} for scalars, objects for tables,
// lists for arrays), or `error <line>:<column>: <message>`.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "pyresolve/packaging/toml.hpp"

namespace {

using pyresolve::packaging::toml_kind;
using pyresolve::packaging::toml_value;

void json_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += ch;
    }
  }
  out += '"';
}

void tagged(std::string& out, const char* type, const std::string& value) {
  out += "{\"type\": \"";
  out += type;
  out += "\", \"value\": ";
  json_string(out, value);
  out += '}';
}

void dump(std::string& out, const toml_value& v) {
  switch (v.kind()) {
    case toml_kind::table: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        json_string(out, key);
        out += ": ";
        dump(out, value);
      }
      out += '}';
      return;
    }
    case toml_kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        dump(out, item);
      }
      out += ']';
      return;
    }
    case toml_kind::string:
      return tagged(out, "string", v.text());
    case toml_kind::integer:
      return tagged(out, "integer", std::to_string(v.integer()));
    case toml_kind::floating: {
      const double d = v.floating();
      std::string text;
      if (std::isnan(d)) {
        text = "nan";
      } else if (std::isinf(d)) {
        text = d > 0 ? "inf" : "-inf";
      } else {
        char buffer[40];
        std::snprintf(buffer, sizeof buffer, "%.17g", d);
        text = buffer;
      }
      return tagged(out, "float", text);
    }
    case toml_kind::boolean:
      return tagged(out, "bool", v.boolean() ? "true" : "false");
    case toml_kind::offset_date_time:
      return tagged(out, "datetime", v.text());
    case toml_kind::local_date_time:
      return tagged(out, "datetime-local", v.text());
    case toml_kind::local_date:
      return tagged(out, "date-local", v.text());
    case toml_kind::local_time:
      return tagged(out, "time-local", v.text());
  }
}

std::string run(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "error 0:0: cannot open " + path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto doc = pyresolve::packaging::parse_toml(text);
  if (!doc) {
    const auto& e = doc.error();
    std::string message = e.message;
    for (char& c : message) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return "error " + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + message;
  }
  std::string out;
  dump(out, *doc);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--batch") {
    std::string path;
    while (std::getline(std::cin, path)) std::cout << run(path) << '\n' << std::flush;
    return 0;
  }
  if (argc != 2) {
    std::cerr << "usage: toml_dump FILE | toml_dump --batch < paths\n";
    return 2;
  }
  std::cout << run(argv[1]) << '\n';
  return 0;
}
