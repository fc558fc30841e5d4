// bench::baselines' pure parts: the ratio, the medians of repeated runs, and the Ignite baseline's command line (the
// password in its environment, never in argv) and result lines.

#include <gtest/gtest.h>

#include <algorithm>

#include "bench/baselines.hpp"
#include "core/errors.hpp"

using namespace streamlab::bench;

namespace {

bool has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

// The value after `flag`, or "" when it is absent.
std::string after(const std::vector<std::string>& argv, const std::string& flag) {
  const auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

}  // namespace

TEST(BenchBaselines, RatioIsStreamlabOverTheTool) {
  BaselineResult b{.tool = "t", .measure = "store", .value = 20000.0, .streamlab = 15000.0};
  EXPECT_DOUBLE_EQ(*b.ratio(), 0.75);
  b.value.reset();
  EXPECT_FALSE(b.ratio());
  EXPECT_TRUE(b.to_json()["ratio"].is_null());
}

TEST(BenchBaselines, RepeatedRunsGiveTheMediansOfEachSide) {
  std::vector<BaselineResult> kcat;
  for (const double v : {500.0, 300.0, 400.0}) kcat.push_back({.tool = "kcat", .measure = "produce", .value = v});
  const BaselineResult b = median_of(kcat, {450, 700, 420});
  EXPECT_EQ(b.tool, "kcat");
  EXPECT_EQ(b.measure, "produce");
  EXPECT_EQ(b.value, 400);
  EXPECT_EQ(b.streamlab, 450);
  ASSERT_TRUE(b.ratio());
  EXPECT_DOUBLE_EQ(*b.ratio(), 450.0 / 400.0);
  EXPECT_NE(b.note.find("medians of 3 alternating runs: streamlab 450, 700, 420; kcat 500, 300, 400"),
            std::string::npos)
      << b.note;
}

TEST(BenchBaselines, ARunWithoutAFigureIsLeftOutAndNamed) {
  const std::vector<BaselineResult> runs = {{.tool = "psql \\copy", .value = 100, .note = "wall time"},
                                            {.tool = "psql \\copy", .note = "psql exited 2"},
                                            {.tool = "psql \\copy", .value = 300, .note = "wall time"}};
  const BaselineResult b = median_of(runs, {200, 0, 250});
  EXPECT_EQ(b.value, 200);      // of 100 and 300
  EXPECT_EQ(b.streamlab, 225);  // of 200 and 250: a run without a rate is left out
  EXPECT_EQ(b.note.rfind("wall time", 0), 0u) << b.note;
  EXPECT_NE(b.note.find("1 of 3 runs gave no figure: psql exited 2"), std::string::npos) << b.note;

  const BaselineResult none = median_of({{.tool = "kcat", .note = "kcat is not installed"}}, {10, 20, 30});
  EXPECT_FALSE(none.value);
  EXPECT_EQ(none.note, "kcat is not installed");
  EXPECT_EQ(none.streamlab, 20);
}

TEST(BenchBaselines, IgniteJavaCallOnThePlainLocalNode) {
  const IgniteJavaCall c = ignite_java_call("ignite://127.0.0.1:10800,127.0.0.1:10801", "/x/ignite-baseline.jar",
                                            "bench_r1_sink_ignite_counters", "bench_r1_sink_ignite_counters_java",
                                            "bench_r1_sink_ignite_counters_stream", 20000, "");
  EXPECT_EQ(std::vector<std::string>(c.argv.begin(), c.argv.begin() + 5),
            (std::vector<std::string>{"java", "-Xmx2g", "-Djava.net.preferIPv4Stack=true", "-jar",
                                      "/x/ignite-baseline.jar"}));
  EXPECT_EQ(after(c.argv, "--addresses"), "127.0.0.1:10800,127.0.0.1:10801");
  // The sink's table and cache names are upper-cased.
  EXPECT_EQ(after(c.argv, "--source"), "BENCH_R1_SINK_IGNITE_COUNTERS");
  EXPECT_EQ(after(c.argv, "--put-table"), "BENCH_R1_SINK_IGNITE_COUNTERS_JAVA");
  EXPECT_EQ(after(c.argv, "--stream-table"), "BENCH_R1_SINK_IGNITE_COUNTERS_STREAM");
  EXPECT_EQ(after(c.argv, "--rows"), "20000");
  EXPECT_EQ(after(c.argv, "--batch"), std::to_string(kIgniteRowsPerPutAll));
  EXPECT_TRUE(c.streamer);
  EXPECT_TRUE(has(c.argv, "--streamer"));
  EXPECT_EQ(after(c.argv, "--discovery"), "127.0.0.1:47500..47509");
  EXPECT_EQ(after(c.argv, "--local-host"), "127.0.0.1");
  EXPECT_FALSE(has(c.argv, "--user") || has(c.argv, "--tls"));
  EXPECT_TRUE(c.env.empty());

  // $STREAMLAB_IGNITE_DISCOVERY, when the services script gave one, wins.
  const IgniteJavaCall d = ignite_java_call("ignite://db.example:10800", "j", "t", "p", "s", 1, "db.example:48500");
  EXPECT_EQ(after(d.argv, "--discovery"), "db.example:48500");
  EXPECT_FALSE(has(d.argv, "--local-host"));
}

TEST(BenchBaselines, IgniteJavaCallKeepsThePasswordOutOfArgv) {
  const IgniteJavaCall c = ignite_java_call(
      "ignite://localhost:10900?user=streamlab&password=s%40cret&cacert=%2Ftmp%2Fca.pem", "j", "t", "p", "s", 5, "");
  for (const auto& word : c.argv) EXPECT_EQ(word.find("cret"), std::string::npos) << word;
  EXPECT_EQ(c.env, (std::vector<std::pair<std::string, std::string>>{{"STREAMLAB_IGNITE_PASSWORD", "s@cret"}}));
  EXPECT_EQ(after(c.argv, "--user"), "streamlab");
  EXPECT_TRUE(has(c.argv, "--tls"));
  EXPECT_EQ(after(c.argv, "--cacert"), "/tmp/ca.pem");
  // A client node would have to log in and speak TLS as well: the streamer is not tried.
  EXPECT_FALSE(c.streamer);
  EXPECT_FALSE(has(c.argv, "--streamer") || has(c.argv, "--discovery"));

  EXPECT_TRUE(has(ignite_java_call("ignite://h?tls=true", "j", "t", "p", "s", 5, "").argv, "--tls"));
  EXPECT_THROW(ignite_java_call("ignite://h:notaport", "j", "t", "p", "s", 5, ""), streamlab::core::UsageError);
}

TEST(BenchBaselines, IgniteJavaResultLines) {
  // Ignite's own lines may come first or between; only the JSON objects with a mode count.
  const std::string out =
      "[15:39:21] Ignite node started OK\n"
      "{\"mode\":\"putall\",\"ignite\":\"2.17.0\",\"rows\":20000,\"seconds\":0.8,\"rows_per_s\":25000.0,"
      "\"batch\":1000,\"bytes\":2880000}\n"
      "{not json\n"
      "  {\"mode\":\"streamer\",\"ignite\":\"2.17.0\",\"rows\":20000,\"seconds\":1.6,\"rows_per_s\":12500.0}\r\n";
  const auto r = parse_ignite_java(out, 20000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].tool, "ignite-thin-client putAll");
  EXPECT_EQ(r[0].measure, "store");
  EXPECT_EQ(r[0].unit, "rows/s");
  EXPECT_EQ(r[0].value, 25000.0);
  EXPECT_NE(r[0].note.find("2.17.0"), std::string::npos) << r[0].note;
  EXPECT_NE(r[0].note.find("144 B a row"), std::string::npos) << r[0].note;
  EXPECT_NE(r[0].note.find("1000 rows a request"), std::string::npos) << r[0].note;
  EXPECT_EQ(r[1].tool, "ignite data streamer");
  EXPECT_EQ(r[1].value, 12500.0);
  EXPECT_NE(r[1].note.find("IgniteDataStreamer 2.17.0"), std::string::npos) << r[1].note;
}

TEST(BenchBaselines, IgniteJavaResultLinesWithoutAFigure) {
  // A failed streamer beside a good putAll; an error's text is kept.
  auto r = parse_ignite_java(
      "{\"mode\":\"putall\",\"rows\":10,\"seconds\":0.5,\"rows_per_s\":20.0}\n"
      "{\"mode\":\"streamer\",\"error\":\"IgniteSpiException: Failed to connect to any address from IP finder\"}\n",
      10);
  EXPECT_EQ(r[0].value, 20.0);
  EXPECT_FALSE(r[1].value);
  EXPECT_EQ(r[1].note, "failed: IgniteSpiException: Failed to connect to any address from IP finder");

  // Nothing printed at all.
  r = parse_ignite_java("Exception in thread \"main\"\n", 10);
  EXPECT_FALSE(r[0].value || r[1].value);
  EXPECT_EQ(r[0].note, "no result line in its output");
  EXPECT_EQ(r[1].note, "no result line in its output");

  // Another row count than streamlab stored, or a line without its figures: no value.
  r = parse_ignite_java("{\"mode\":\"putall\",\"rows\":9,\"seconds\":0.5,\"rows_per_s\":18.0}\n", 10);
  EXPECT_FALSE(r[0].value);
  EXPECT_EQ(r[0].note, "it stored 9 rows, not the 10 streamlab stored");
  r = parse_ignite_java(
      "{\"mode\":\"putall\",\"rows\":10}\n{\"mode\":\"streamer\",\"rows\":10,\"seconds\":0,"
      "\"rows_per_s\":0}\n",
      10);
  EXPECT_FALSE(r[0].value || r[1].value);
  EXPECT_EQ(r[0].note.rfind("a result line without", 0), 0u) << r[0].note;
  EXPECT_EQ(r[1].note.rfind("a result line without", 0), 0u) << r[1].note;
}
