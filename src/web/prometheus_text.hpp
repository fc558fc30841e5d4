#pragma once
// Prometheus text exposition format 0.0.4: families (# HELP, # TYPE) followed by their samples.
// Metric and label names are fixed by streamlab, so a bad one is a programming error
// (std::logic_error); label values come from data (hashtags, topic names) and are escaped.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamlab::web {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // `type`: counter | gauge | summary | histogram | untyped.
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, std::uint64_t value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  void sample(std::string_view name, std::uint64_t value) { sample(name, {}, value); }

  const std::string& text() const { return out_; }

  static bool valid_metric_name(std::string_view name);
  static bool valid_label_name(std::string_view name);
  // Label values: backslash, double quote and line feed are escaped.
  static void append_label_value(std::string_view value, std::string& out);
  // HELP text: backslash and line feed are escaped.
  static void append_help(std::string_view help, std::string& out);
  // Go's ParseFloat forms: NaN, +Inf, -Inf, else the shortest round-trip decimal.
  static void append_value(double value, std::string& out);

 private:
  void append_name_and_labels(std::string_view name, const Labels& labels);
  std::string out_;
};

}  // namespace streamlab::web
