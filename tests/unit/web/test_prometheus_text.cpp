// web::PrometheusText: the text exposition format (names, escaping, special values).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "web/prometheus_text.hpp"

using namespace streamlab;
using web::PrometheusText;

TEST(PrometheusText, FamiliesAndSamples) {
  PrometheusText p;
  p.family("streamlab_consumed_messages_total", "Messages consumed", "counter");
  p.sample("streamlab_consumed_messages_total", std::uint64_t{18446744073709551615ull});
  p.family("streamlab_lag", "Lag per partition", "gauge");
  p.sample("streamlab_lag", {{"topic", "t"}, {"partition", "0"}}, 12.5);
  EXPECT_EQ(p.text(),
            "# HELP streamlab_consumed_messages_total Messages consumed\n"
            "# TYPE streamlab_consumed_messages_total counter\n"
            "streamlab_consumed_messages_total 18446744073709551615\n"
            "# HELP streamlab_lag Lag per partition\n"
            "# TYPE streamlab_lag gauge\n"
            "streamlab_lag{topic=\"t\",partition=\"0\"} 12.5\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  PrometheusText p;
  p.family("m", "a \\ back\nslash \"quoted\"", "gauge");
  p.sample("m", {{"hashtag", "a\"b\\c\nd ñ🎉"}}, 1.0);
  EXPECT_EQ(p.text(),
            "# HELP m a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{hashtag=\"a\\\"b\\\\c\\nd ñ🎉\"} 1\n");
}

TEST(PrometheusText, SpecialValues) {
  std::string out;
  PrometheusText::append_value(std::numeric_limits<double>::quiet_NaN(), out);
  out += ' ';
  PrometheusText::append_value(std::numeric_limits<double>::infinity(), out);
  out += ' ';
  PrometheusText::append_value(-std::numeric_limits<double>::infinity(), out);
  out += ' ';
  PrometheusText::append_value(0.25, out);
  EXPECT_EQ(out, "NaN +Inf -Inf 0.25");
}

TEST(PrometheusText, RejectsBadNames) {
  EXPECT_TRUE(PrometheusText::valid_metric_name("a:b_c9"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("9a"));
  EXPECT_FALSE(PrometheusText::valid_metric_name("a-b"));
  EXPECT_FALSE(PrometheusText::valid_metric_name(""));
  EXPECT_FALSE(PrometheusText::valid_label_name("a:b"));
  EXPECT_FALSE(PrometheusText::valid_label_name("__reserved"));
  PrometheusText p;
  EXPECT_THROW(p.family("bad name", "x", "gauge"), std::logic_error);
  EXPECT_THROW(p.family("ok", "x", "gauges"), std::logic_error);
  EXPECT_THROW(p.sample("ok", {{"bad-label", "v"}}, 1.0), std::logic_error);
}
