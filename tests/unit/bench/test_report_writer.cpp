#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "bench/report_writer.hpp"
#include "core/errors.hpp"
#include "test_locations.hpp"

namespace bench = streamlab::bench;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json sample() {
  std::ifstream in(fs::path(STREAMLAB_SOURCE_DIR) / "tests/data/bench_report_sample.json");
  return json::parse(in);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A stand-in for web/dist: the page's script and style, without needing the npm build.
struct FakeDist {
  fs::path dir = fs::temp_directory_path() / ("streamlab-report-dist-" + std::to_string(getpid()));
  FakeDist() {
    fs::create_directories(dir);
    std::ofstream(dir / "report.js") << "window.__reportScript = 1; /* </script> in a comment */";
    std::ofstream(dir / "report.css") << "body { color: #111; }";
  }
  ~FakeDist() { fs::remove_all(dir); }
};

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST(ReportMarkdown, SummaryTableWithValuesBaselinesAndRatios) {
  const std::string md = bench::render_markdown(sample());
  EXPECT_EQ(md.rfind("# streamlab bench report\n", 0), 0u);
  EXPECT_NE(md.find("2026-11-26T10:00:00Z → 2026-11-26T10:01:11Z, quick run, scale 0.1"), std::string::npos) << md;
  EXPECT_TRUE(has_line(md, "| scenario | measure | value | baseline | ratio |")) << md;
  EXPECT_TRUE(has_line(md, "| Counters, a backlog of 1,000,000 | consume | 1,320,000 msgs/s | kcat | 0.885× |")) << md;
  EXPECT_TRUE(has_line(md, "| Tweets into PostgreSQL | store | 11,600 rows/s | psql \\copy | 0.341× |")) << md;
  EXPECT_TRUE(has_line(md, "| Tweets into PostgreSQL | store | 11,600 rows/s | lab ConsumerPS.py | 64.2× |")) << md;
  EXPECT_TRUE(has_line(md, "| Counters, live at 5,000 msgs/s | consume | 5,000 msgs/s | — | — |")) << md;
}

TEST(ReportMarkdown, ScenarioResourceAndProblemTables) {
  const std::string md = bench::render_markdown(sample());
  EXPECT_TRUE(has_line(md,
                       "| Counters, live at 5,000 msgs/s | live (counters) | 5,000 | 60,000 | 60,000 | — | yes | "
                       "5,000 | 5,000 | — | 1.9 | 3.4 | 7.8 | 21.5 | 12.5 |"))
      << md;
  EXPECT_TRUE(has_line(md,
                       "| Tweets into PostgreSQL | sink → postgres (tweets) | — | 160,000 | 160,000 | 160,000 | yes | "
                       "98,000 | 11,700 | 11,600 | — | — | — | — | — |"))
      << md;
  // The hostile title: a Markdown cell keeps it as text; its '|' would split the cell.
  EXPECT_NE(md.find("| 500,000 | 500,000 | 499,500 | NO |"), std::string::npos) << md;
  EXPECT_TRUE(has_line(md, "| Tweets into PostgreSQL | postgres | 71.5 | 96 | 188 |")) << md;
  EXPECT_TRUE(has_line(md, "| Counters, a backlog of 1,000,000 | kafka | 121 | 165 | 705 |")) << md;
  EXPECT_NE(md.find("## Problems\n\n- **Counters into Redis"), std::string::npos) << md;
  EXPECT_NE(md.find(R"(stored 499,500 of 500,000 rows \</script>\<!-- \<b>not bold\</b> & "quoted" \| piped)"),
            std::string::npos)
      << md;
  EXPECT_FALSE(std::regex_search(md, std::regex(R"([^\\]<(script|/script|!--|b>))"))) << "an unescaped '<'";
  EXPECT_TRUE(has_line(md, "| CPU | AMD EPYC 7B13 × 2 |")) << md;
  EXPECT_TRUE(has_line(md, "| ignite | not found |")) << md;
}

TEST(ReportMarkdown, FaultTableWithRecoveryLostAndDuplicated) {
  const std::string title = "Fault: the postgres consumer killed (SIGKILL) at 30% of 30000 counters, restarted";
  json report = sample();
  const std::string md = bench::render_markdown(report);
  EXPECT_TRUE(has_line(md, "| scenario | sink | fault | recovery s | longest stall s | lost | duplicated | ok |"))
      << md;
  EXPECT_TRUE(has_line(md, "| " + title + " | postgres | kill | 0.8 | 1 | 0 | 0 | yes |")) << md;
  EXPECT_TRUE(has_line(md, "| " + title + " | recovery | 0.8 s | — | — |")) << md;
  EXPECT_NE(md.find("| " + title + " | fault → postgres (counters) | — | 30,000 | 32,000 | 30,000 | yes |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("## Fault scenarios\n"), std::string::npos);

  // Skipped, and failed before verify could count: no figures, and the ok column says which.
  json& fault = report["scenarios"].back();
  json skipped = fault;
  skipped["id"] = "fault-outage-postgres";
  skipped["title"] = "An outage";
  skipped["skipped"] = true;
  skipped["fault"] = {{"kind", "outage"},        {"landed", false},       {"start_s", nullptr},
                      {"end_s", nullptr},        {"recovery_s", nullptr}, {"longest_stall_s", nullptr},
                      {"lost", nullptr},         {"duplicated", nullptr}, {"verify", nullptr},
                      {"members", json::array()}};
  fault["ok"] = false;
  fault["fault"]["lost"] = nullptr;
  fault["fault"]["duplicated"] = nullptr;
  report["scenarios"].push_back(skipped);
  const std::string md2 = bench::render_markdown(report);
  EXPECT_TRUE(has_line(md2, "| " + title + " | postgres | kill | 0.8 | 1 | — | — | NO |")) << md2;
  EXPECT_TRUE(has_line(md2, "| An outage | postgres | outage | — | — | — | — | skipped |")) << md2;

  // No fault scenario, no fault table.
  report["scenarios"].erase(report["scenarios"].size() - 1);
  report["scenarios"].erase(report["scenarios"].size() - 1);
  EXPECT_EQ(bench::render_markdown(report).find("Fault scenarios"), std::string::npos);
}

TEST(ReportMarkdown, ProblemsNoneWhenAllWentWell) {
  json report = sample();
  for (auto& s : report["scenarios"]) s["problems"] = json::array();
  const std::string md = bench::render_markdown(report);
  EXPECT_NE(md.find("## Problems\n\nNone.\n"), std::string::npos);
}

TEST(ReportHtml, SelfContainedWithTheDataEmbeddedSafely) {
  FakeDist dist;
  const json report = sample();
  const std::string html = bench::render_html(report, dist.dir);

  // No external URL in any src or href, and no <link>/<script src> at all.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_NE(html.find("window.__reportScript = 1;"), std::string::npos);
  EXPECT_NE(html.find("body { color: #111; }"), std::string::npos);

  // Exactly three script ends: the data, the bundle, none from the hostile strings.
  std::size_t ends = 0;
  for (auto pos = html.find("</script"); pos != std::string::npos; pos = html.find("</script", pos + 1)) ++ends;
  EXPECT_EQ(ends, 2u);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<!-- <b>"), std::string::npos);
  EXPECT_NE(html.find(R"(\u003c/script>\u003cscript>alert)"), std::string::npos);

  // The embedded document reads back as the report itself.
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto begin = html.find(open);
  ASSERT_NE(begin, std::string::npos);
  const auto end = html.find("</script>", begin);
  EXPECT_EQ(json::parse(html.substr(begin + open.size(), end - begin - open.size())), report);

  // Tables are in the page as HTML, the hostile text escaped.
  EXPECT_NE(html.find("<td>Counters into Redis &lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">1,320,000 msgs/s</td>"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"faults\"><h2>Fault scenarios</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>kill</td><td class=\"n\">0.8</td><td class=\"n\">1</td><td class=\"n\">0</td>"),
            std::string::npos);
  for (const char* section : {"data-charts=\"throughput\"", "data-charts=\"resources\"", "data-charts=\"latency\"",
                              "data-charts=\"sinks\""}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
}

TEST(ReportHtml, MissingBundleNamesTheFileAndTheBuild) {
  const fs::path nowhere = fs::temp_directory_path() / ("streamlab-no-dist-" + std::to_string(getpid()));
  try {
    bench::render_html(sample(), nowhere);
    FAIL() << "no error";
  } catch (const streamlab::core::RuntimeFailure& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((nowhere / "report.js").string()), std::string::npos) << what;
    EXPECT_NE(what.find("web/build"), std::string::npos) << what;
  }
}

TEST(ReportFiles, WritesTheThreeFilesAndNothingWhenTheBundleIsMissing) {
  FakeDist dist;
  const fs::path out = fs::temp_directory_path() / ("streamlab-report-out-" + std::to_string(getpid())) / "run";
  fs::remove_all(out.parent_path());
  const json report = sample();
  EXPECT_THROW(bench::write_report(report, out, dist.dir / "missing"), streamlab::core::RuntimeFailure);
  EXPECT_FALSE(fs::exists(out / "report.json"));

  bench::write_report(report, out, dist.dir);
  EXPECT_EQ(json::parse(slurp(out / "report.json")), report);
  EXPECT_EQ(slurp(out / "report.md"), bench::render_markdown(report));
  EXPECT_EQ(slurp(out / "report.html"), bench::render_html(report, dist.dir));
  fs::remove_all(out.parent_path());
}

TEST(ReportMarkdown, TheBrokersOwnViewPerScenario) {
  json report = sample();
  EXPECT_EQ(bench::render_markdown(report).find("The broker's own view"), std::string::npos);  // not scraped
  json& s = report["scenarios"][0];
  s["broker"] = {{"http://127.0.0.1:19190/metrics",
                  {{"samples", 10},
                   {"up_fraction", 0.9},
                   {"produce_per_s", 120.5},
                   {"fetch_per_s", 30},
                   {"bytes_in_per_s", 2.5e6},
                   {"bytes_out_per_s", 1e6},
                   {"produce_p99_ms_max", 12},
                   {"fetch_p99_ms_max", 501},
                   {"produce_queue_p99_ms_max", 0.5},
                   {"flush_p99_ms_max", 3},
                   {"under_replicated_max", 2},
                   {"isr_shrinks", 1},
                   {"isr_expands", 0},
                   {"gc_ms_per_s", 4.25}}}};
  const std::string md = bench::render_markdown(report);
  EXPECT_NE(md.find("## The broker's own view\n"), std::string::npos) << md;
  EXPECT_TRUE(has_line(md, "| " + s["title"].get<std::string>() +
                               " | http://127.0.0.1:19190/metrics | 121 | 30 | 2.5 | 1 | 12 | 0.5 | 501 | 3 | 2 | 1 | "
                               "4.25 | 90% |"))
      << md;
}

TEST(ReportMarkdown, WanTableBesideLoopbackAndSkipped) {
  json report = sample();
  EXPECT_EQ(bench::render_markdown(report).find("Across a WAN"), std::string::npos);  // no wan scenario
  json wan = report["scenarios"][0];
  wan["id"] = "wan";
  wan["kind"] = "wan";
  wan["title"] = "The lab's WAN";
  wan["wan"] = {{"rtt_ms", 40},
                {"bandwidth_mbit", 100},
                {"link", "40 ms round trip, 100 Mbit/s each way"},
                {"cases",
                 {{{"case", "tweets live at 50/s"},
                   {"measure", "end-to-end latency p99"},
                   {"unit", "ms"},
                   {"loopback", 14.3},
                   {"link", 113},
                   {"ratio", 113 / 14.3}},
                  {{"case", "100 tweets, each acknowledged before the next is sent"},
                   {"measure", "produce"},
                   {"unit", "tweets/s"},
                   {"loopback", 940},
                   {"link", 22.9},
                   {"ratio", 22.9 / 940}},
                  {{"case", "a backlog into postgres, postgres across the link"},
                   {"measure", "store"},
                   {"unit", "rows/s"},
                   {"loopback", 49000},
                   {"link", nullptr},
                   {"ratio", nullptr}}}}};
  report["scenarios"].push_back(wan);
  const std::string md = bench::render_markdown(report);
  EXPECT_NE(md.find("## Across a WAN\n\nThe link: 40 ms round trip, 100 Mbit/s each way.\n"), std::string::npos) << md;
  EXPECT_TRUE(has_line(md, "| case | measure | loopback | across the link | link ÷ loopback |")) << md;
  EXPECT_TRUE(has_line(md, "| tweets live at 50/s | end-to-end latency p99 | 14.3 ms | 113 ms | 7.9× |")) << md;
  EXPECT_TRUE(has_line(md,
                       "| 100 tweets, each acknowledged before the next is sent | produce | 940 tweets/s | 22.9 "
                       "tweets/s | 0.0244× |"))
      << md;
  EXPECT_TRUE(has_line(md, "| a backlog into postgres, postgres across the link | store | 49,000 rows/s | — | — |"))
      << md;

  report["scenarios"].back()["skipped"] = true;
  EXPECT_TRUE(has_line(bench::render_markdown(report), "| skipped | — | — | — | — |"));
}
