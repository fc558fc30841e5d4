#include "web/prometheus_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace streamlab::web {
namespace {

bool name_char(char c, bool first, bool colon_ok) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
  return letter || (!first && c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon_ok) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, colon_ok)) return false;
  }
  return true;
}

}  // namespace

bool PrometheusText::valid_metric_name(std::string_view name) { return valid_name(name, true); }

bool PrometheusText::valid_label_name(std::string_view name) {
  // Names starting with "__" are reserved for Prometheus itself.
  return valid_name(name, false) && name.substr(0, 2) != "__";
}

void PrometheusText::append_label_value(std::string_view value, std::string& out) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
}

void PrometheusText::append_help(std::string_view help, std::string& out) {
  for (char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
}

void PrometheusText::append_value(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

void PrometheusText::family(std::string_view name, std::string_view help, std::string_view type) {
  if (!valid_metric_name(name)) throw std::logic_error(fmt::format("invalid metric name '{}'", name));
  if (type != "counter" && type != "gauge" && type != "summary" && type != "histogram" && type != "untyped") {
    throw std::logic_error(fmt::format("invalid metric type '{}'", type));
  }
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help(help, out_);
  fmt::format_to(std::back_inserter(out_), "\n# TYPE {} {}\n", name, type);
}

void PrometheusText::append_name_and_labels(std::string_view name, const Labels& labels) {
  if (!valid_metric_name(name)) throw std::logic_error(fmt::format("invalid metric name '{}'", name));
  out_ += name;
  if (labels.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!valid_label_name(key)) throw std::logic_error(fmt::format("invalid label name '{}'", key));
    if (!first) out_ += ',';
    first = false;
    out_ += key;
    out_ += "=\"";
    append_label_value(value, out_);
    out_ += '"';
  }
  out_ += '}';
}

void PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
  append_name_and_labels(name, labels);
  out_ += ' ';
  append_value(value, out_);
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
  append_name_and_labels(name, labels);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

}  // namespace streamlab::web
