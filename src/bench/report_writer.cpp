#include "bench/report_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace streamlab::bench {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kNone = "—";

// ---- numbers for people -----------------------------------------------------------------------

std::string with_separators(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// `significant` digits (trailing zeros dropped), thousands separators: 1,320,000 · 53.2 · 0.341 · 1.9.
std::string human(double v, int significant = 3) {
  if (!std::isfinite(v)) return kNone;
  if (v == 0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  const int decimals = std::max(0, significant - 1 - magnitude);
  const double scale = std::pow(10.0, magnitude - significant + 1);
  const double r = decimals > 0 ? v : std::round(v / scale) * scale;
  if (decimals == 0) return with_separators(std::llround(r));
  std::string text = fmt::format("{:.{}f}", r, decimals);
  while (text.back() == '0') text.pop_back();  // 1.90 -> 1.9, 96.0 -> 96
  if (text.back() == '.') text.pop_back();
  const auto dot = text.find('.');
  if (dot == std::string::npos) {
    long long whole = 0;
    std::from_chars(text.data() + (text[0] == '-' ? 1 : 0), text.data() + text.size(), whole);
    return (text[0] == '-' ? "-" : "") + with_separators(whole);
  }
  long long whole = 0;
  std::from_chars(text.data() + (text[0] == '-' ? 1 : 0), text.data() + dot, whole);
  return (text[0] == '-' ? "-" : "") + with_separators(whole) + text.substr(dot);
}

std::string num(const json& v, int significant = 3) {
  if (!v.is_number()) return kNone;
  return human(v.get<double>(), significant);
}

std::string count(const json& v) {
  if (!v.is_number()) return kNone;
  return with_separators(v.get<long long>());
}

std::string ratio(const json& v) {
  if (!v.is_number()) return kNone;
  return human(v.get<double>(), 3) + "×";
}

std::string megabytes(const json& v) {
  if (!v.is_number()) return kNone;
  return human(v.get<double>() / 1e6, 3);
}

std::string str(const json& doc, const char* key) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return kNone;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

const json& member(const json& doc, const char* key) {
  static const json null;
  const auto it = doc.find(key);
  return it == doc.end() ? null : *it;
}

// ---- tables: built once, written as Markdown or HTML ------------------------------------------

struct Table {
  std::vector<std::string> head;
  std::vector<bool> numeric;  // right-aligned columns
  std::vector<std::vector<std::string>> rows;
};

// Text as Markdown shows it: a '|' would split the cell, a '<' could open raw HTML.
std::string md_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|' || c == '<')
      out += {'\\', c};
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string markdown_table(const Table& table) {
  std::string out = "|";
  for (const auto& h : table.head) out += " " + md_cell(h) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < table.head.size(); ++i) out += table.numeric[i] ? "---:|" : "---|";
  out += "\n";
  for (const auto& row : table.rows) {
    out += "|";
    for (const auto& cell : row) out += " " + md_cell(cell) + " |";
    out += "\n";
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_table(const Table& table, const std::string& css_class = "") {
  std::string out = css_class.empty() ? "<table>" : "<table class=\"" + css_class + "\">";
  out += "<thead><tr>";
  for (std::size_t i = 0; i < table.head.size(); ++i) {
    out += table.numeric[i] ? "<th class=\"n\">" : "<th>";
    out += html_escape(table.head[i]) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += table.numeric[i] ? "<td class=\"n\">" : "<td>";
      out += html_escape(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table>\n";
}

const json& scenarios_of(const json& report) {
  const json& s = member(report, "scenarios");
  if (!s.is_array()) throw core::RuntimeFailure("report: 'scenarios' must be an array");
  return s;
}

std::string title_of(const json& report, const std::string& id) {
  for (const auto& s : scenarios_of(report)) {
    if (s.value("id", "") == id) return s.value("title", id);
  }
  return id;
}

Table machine_table(const json& report) {
  const json& m = member(report, "machine");
  Table t{{"", ""}, {false, false}, {}};
  t.rows.push_back({"host", str(m, "hostname")});
  t.rows.push_back({"OS", str(m, "os") + ", kernel " + str(m, "kernel")});
  t.rows.push_back({"CPU", str(m, "cpu_model") + " × " + str(m, "cpus")});
  t.rows.push_back({"memory", member(m, "memory_bytes").is_number()
                                  ? human(member(m, "memory_bytes").get<double>() / 1e9) + " GB"
                                  : kNone});
  if (const json& load = member(m, "load_average"); load.is_array() && !load.empty()) {
    std::string text;
    for (const auto& v : load) text += (text.empty() ? "" : " ") + fmt::format("{:.2f}", v.get<double>());
    t.rows.push_back({"load average (at start)", text});
  }
  return t;
}

Table versions_table(const json& report) {
  Table t{{"component", "version"}, {false, false}, {}};
  for (const auto& [name, version] : member(report, "versions").items()) {
    t.rows.push_back({name, version.is_string() ? version.get<std::string>() : "not found"});
  }
  return t;
}

Table summary_table(const json& report) {
  Table t{{"scenario", "measure", "value", "baseline", "ratio"}, {false, false, true, false, true}, {}};
  const json& summary = member(report, "summary");
  if (!summary.is_array()) return t;
  for (const auto& row : summary) {
    const std::string unit = row.value("unit", "");
    const std::string value = num(member(row, "value"));
    t.rows.push_back({title_of(report, row.value("scenario", "")), row.value("measure", ""),
                      value == kNone ? value : value + " " + unit, str(row, "baseline"), ratio(member(row, "ratio"))});
  }
  return t;
}

Table scenario_table(const json& report) {
  Table t{{"scenario", "kind", "offered/s", "produced", "consumed", "stored", "ok", "produce/s", "consume/s", "store/s",
           "p50 ms", "p90 ms", "p99 ms", "max ms", "intended p99 ms"},
          {false, false, true, true, true, true, false, true, true, true, true, true, true, true, true},
          {}};
  for (const auto& s : scenarios_of(report)) {
    const json& rates = member(s, "rates");
    const json& lat = member(s, "latency_ms");
    const auto l = [&](const char* key) { return lat.is_object() ? num(member(lat, key)) : std::string(kNone); };
    const json& intended = member(s, "intended_latency_ms");
    std::string kind = s.value("kind", "");
    if (const json& sink = member(s, "sink"); sink.is_string()) kind += " → " + sink.get<std::string>();
    if (const json& payload = member(s, "payload"); payload.is_string() && payload != "none") {
      kind += " (" + payload.get<std::string>() + ")";
    }
    t.rows.push_back({s.value("title", s.value("id", "")), kind, num(member(s, "offered_rate")),
                      count(member(s, "produced")), count(member(s, "consumed")), count(member(s, "stored")),
                      member(s, "ok") == true ? "yes" : "NO", num(member(rates, "produce_msgs_per_s")),
                      num(member(rates, "consume_msgs_per_s")), num(member(rates, "store_rows_per_s")), l("p50"),
                      l("p90"), l("p99"), l("max"), intended.is_object() ? num(member(intended, "p99")) : kNone});
  }
  return t;
}

constexpr const char* kBatchLatencyNote =
    "Produce-to-stored: Kafka CreateTime to the batch's commit; intended: from the time the paced producer meant to "
    "send each message (a producer that fell behind counts).";

constexpr const char* kSummaryNote =
    "Ratio = streamlab ÷ the baseline tool: above 1 streamlab is faster (scaling out: rows/s ÷ one member's); "
    "against kcat and each store's loader, of the medians of three alternating runs of each (the runs are in the "
    "baseline's note). "
    "intended p99: a paced producer's scenarios, from the time it meant to send each message to stored (or "
    "received), so a producer that fell behind counts.";

// The scale scenarios: one row per group size that drained the backlog (1, 2, 4 members).
Table scale_table(const json& report) {
  Table t{{"scenario", "sink", "members", "rows", "wall s", "rebalance s", "rows/s", "× 1 member", "lost", "duplicated",
           "ok"},
          {false, false, true, true, true, true, true, true, true, true, false},
          {}};
  for (const auto& s : scenarios_of(report)) {
    if (s.value("kind", "") != "scale") continue;
    const json& drains = member(member(s, "scale"), "drains");
    if (member(s, "skipped") == true || !drains.is_array() || drains.empty()) {
      t.rows.push_back({s.value("title", s.value("id", "")), str(s, "sink"), kNone, kNone, kNone, kNone, kNone, kNone,
                        kNone, kNone, member(s, "skipped") == true ? "skipped" : "NO"});
      continue;
    }
    for (const auto& d : drains) {
      t.rows.push_back({s.value("title", s.value("id", "")), str(s, "sink"), count(member(d, "members")),
                        count(member(d, "stored")), num(member(d, "wall_s")), num(member(d, "rebalance_s")),
                        num(member(d, "rows_per_s")), ratio(member(d, "ratio_to_1")), count(member(d, "lost")),
                        count(member(d, "duplicated")), member(d, "ok") == true ? "yes" : "NO"});
    }
  }
  return t;
}

constexpr const char* kScaleNote =
    "One backlog drained again by each group size: that many consume --until-end sink consumers started together "
    "in a fresh group, into a fresh table. wall: the first member's start to the last member's exit; rows/s: rows "
    "stored ÷ wall (the join included); rebalance: the start to every member's first assignment; × 1 member: rows/s "
    "against one member's; lost and duplicated: streamlab verify's (both must be 0). The members share the "
    "machine's cores with the broker and the store: on a small machine read the curve, not a linear speed-up.";

// The wan scenario: each case's figure over loopback and across the link.
Table wan_table(const json& report) {
  Table t{{"case", "measure", "loopback", "across the link", "link ÷ loopback"}, {false, false, true, true, true}, {}};
  for (const auto& s : scenarios_of(report)) {
    if (s.value("kind", "") != "wan") continue;
    const json& cases = member(member(s, "wan"), "cases");
    if (member(s, "skipped") == true || !cases.is_array() || cases.empty()) {
      t.rows.push_back({member(s, "skipped") == true ? "skipped" : "NO", kNone, kNone, kNone, kNone});
      continue;
    }
    for (const auto& c : cases) {
      const std::string unit = " " + str(c, "unit");
      const auto with_unit = [&](const json& v) {
        const std::string n = num(v);
        return n == kNone ? n : n + unit;
      };
      t.rows.push_back({str(c, "case"), str(c, "measure"), with_unit(member(c, "loopback")),
                        with_unit(member(c, "link")), ratio(member(c, "ratio"))});
    }
  }
  return t;
}

// "The link: 40 ms round trip, 100 Mbit/s each way." (the first wan scenario's), or "".
std::string wan_link(const json& report) {
  for (const auto& s : scenarios_of(report)) {
    if (s.value("kind", "") == "wan" && member(s, "wan").is_object()) return "The link: " + str(s["wan"], "link") + ".";
  }
  return "";
}

constexpr const char* kWanNote =
    "The lab measured a remote server (53 and 179 tweets/s over its network). Here Toxiproxy's proxies stand between "
    "the clients and the broker (and, in "
    "the last row, PostgreSQL): half the round trip is added in each direction and each direction's bandwidth is "
    "limited. Every case runs over loopback first, then across the link, by the procedure of its own scenario. The "
    "producer that waits for each tweet's acknowledgement before sending the next is what a client without batching "
    "or pipelining gets: about one tweet per round trip.";

// The fault scenarios: what was done to which sink, how long until a new row was stored, and
// what streamlab verify found afterwards (lost and duplicated must both be 0).
Table fault_table(const json& report) {
  Table t{{"scenario", "sink", "fault", "recovery s", "longest stall s", "lost", "duplicated", "ok"},
          {false, false, false, true, true, true, true, false},
          {}};
  for (const auto& s : scenarios_of(report)) {
    if (s.value("kind", "") != "fault") continue;
    const json& f = member(s, "fault");
    const std::string id = s.value("id", "");
    std::string ok = member(s, "ok") == true ? "yes" : "NO";
    if (member(s, "skipped") == true) ok = "skipped";
    t.rows.push_back({s.value("title", id), str(s, "sink"), f.is_object() ? str(f, "kind") : kNone,
                      f.is_object() ? num(member(f, "recovery_s")) : kNone,
                      f.is_object() ? num(member(f, "longest_stall_s")) : kNone,
                      f.is_object() ? count(member(f, "lost")) : kNone,
                      f.is_object() ? count(member(f, "duplicated")) : kNone, ok});
  }
  return t;
}

constexpr const char* kFaultNote =
    "recovery: from the kill, the outage's end or the second member's leave to the first row stored after it; "
    "longest stall: the longest time without a new row; lost and duplicated: streamlab verify's count of offsets "
    "missing from the store and held more than once (both must be 0).";

Table baseline_table(const json& report) {
  Table t{{"scenario", "tool", "measure", "tool's value", "streamlab", "ratio", "note"},
          {false, false, false, true, true, true, false},
          {}};
  for (const auto& s : scenarios_of(report)) {
    const json& baselines = member(s, "baselines");
    if (!baselines.is_array()) continue;
    for (const auto& b : baselines) {
      const std::string unit = b.value("unit", "");
      const auto with_unit = [&](const json& v) {
        const std::string text = num(v);
        return text == kNone || unit.empty() ? text : text + " " + unit;
      };
      t.rows.push_back({s.value("title", ""), b.value("tool", ""), b.value("measure", ""),
                        with_unit(member(b, "value")), with_unit(member(b, "streamlab")), ratio(member(b, "ratio")),
                        b.value("note", "")});
    }
  }
  return t;
}

// latency-<sink>: one row per --batch-ms step.
Table batch_latency_table(const json& report) {
  Table t{{"scenario", "--batch-ms", "achieved/s", "stored p50 ms", "stored p99 ms", "stored max ms", "receipt p99 ms",
           "intended p99 ms", "commit p50 ms", "batches"},
          {false, true, true, true, true, true, true, true, true, true},
          {}};
  for (const auto& s : scenarios_of(report)) {
    const json& steps = member(s, "batch_ms_steps");
    if (!steps.is_array()) continue;
    for (const auto& x : steps) {
      const json& batch_ms = member(x, "batch_ms");
      t.rows.push_back({s.value("title", ""), batch_ms.is_string() ? batch_ms.get<std::string>() : num(batch_ms),
                        num(member(x, "achieved_msgs_per_s")), num(member(x, "stored_p50_ms")),
                        num(member(x, "stored_p99_ms")), num(member(x, "stored_max_ms")),
                        num(member(x, "receipt_p99_ms")), num(member(x, "intended_stored_p99_ms")),
                        num(member(x, "commit_p50_ms")), count(member(x, "batches"))});
    }
  }
  return t;
}

Table resource_table(const json& report) {
  Table t{{"scenario", "process", "CPU mean %", "CPU max %", "RSS max MB"}, {false, false, true, true, true}, {}};
  for (const auto& s : scenarios_of(report)) {
    const json& resources = member(s, "resources");
    if (!resources.is_object()) continue;
    for (const auto& [process, r] : resources.items()) {
      t.rows.push_back({s.value("title", ""), process, num(member(r, "cpu_pct_mean")), num(member(r, "cpu_pct_max")),
                        megabytes(member(r, "rss_bytes_max"))});
    }
  }
  return t;
}

// The brokers' own metrics per scenario (their JMX exporters): one row per broker.
Table broker_table(const json& report) {
  Table t{{"scenario", "broker", "produce req/s", "fetch req/s", "MB/s in", "MB/s out", "produce p99 ms",
           "queue p99 ms", "fetch p99 ms", "flush p99 ms", "under-replicated", "ISR shrinks", "GC ms/s", "up"},
          {false, false, true, true, true, true, true, true, true, true, true, true, true, true},
          {}};
  for (const auto& s : scenarios_of(report)) {
    const json& brokers = member(s, "broker");
    if (!brokers.is_object()) continue;
    for (const auto& [url, b] : brokers.items()) {
      const auto per_mb = [&](const char* key) {
        const json& v = member(b, key);
        return v.is_number() ? num(v.get<double>() / 1e6) : kNone;
      };
      const json& up = member(b, "up_fraction");
      t.rows.push_back({s.value("title", ""), url, num(member(b, "produce_per_s")), num(member(b, "fetch_per_s")),
                        per_mb("bytes_in_per_s"), per_mb("bytes_out_per_s"), num(member(b, "produce_p99_ms_max")),
                        num(member(b, "produce_queue_p99_ms_max")), num(member(b, "fetch_p99_ms_max")),
                        num(member(b, "flush_p99_ms_max")), num(member(b, "under_replicated_max")),
                        num(member(b, "isr_shrinks")), num(member(b, "gc_ms_per_s")),
                        up.is_number() ? fmt::format("{:.0f}%", 100 * up.get<double>()) : kNone});
    }
  }
  return t;
}

constexpr const char* kBrokerNote =
    "Scraped once a second from each broker's Prometheus JMX exporter: request and byte rates are means over the "
    "scenario, the p99s (the broker's own, over its recent requests) and under-replicated partitions their highest, "
    "ISR shrinks counted; fetch p99 includes the consumers' long-polls (fetch.wait.max.ms).";

// (scenario title, problem) of every scenario.
std::vector<std::pair<std::string, std::string>> problems(const json& report) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : scenarios_of(report)) {
    const json& list = member(s, "problems");
    if (!list.is_array()) continue;
    for (const auto& p : list) out.emplace_back(s.value("title", ""), p.is_string() ? p.get<std::string>() : p.dump());
  }
  return out;
}

std::string when_line(const json& report) {
  std::string line = fmt::format("{} → {}", str(report, "started_at"), str(report, "finished_at"));
  if (member(report, "quick") == true) line += ", quick run";
  if (const json& scale = member(report, "scale"); scale.is_number() && scale.get<double>() != 1.0) {
    line += ", scale " + human(scale.get<double>());
  }
  return line;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw core::RuntimeFailure(
        fmt::format("the report's front end {} is missing: build it with web/build (or make build)", path.string()));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// JSON that cannot end the <script> element holding it nor open a comment or tag in it: every
// '<' (only ever inside a JSON string) is written as the escape \u003c, so "</script>" reads
// back unchanged but never appears as such in the page.
std::string json_for_script(const json& report) {
  return replace_all(report.dump(-1, ' ', false, json::error_handler_t::replace), "<", "\\u003c");
}

void write_file(const fs::path& path, const std::string& content) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw core::RuntimeFailure(fmt::format("could not write {}", partial.string()));
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) throw core::RuntimeFailure(fmt::format("could not write {}: {}", path.string(), ec.message()));
}

}  // namespace

std::string render_markdown(const json& report) {
  std::string out = "# streamlab bench report\n\n";
  out += when_line(report) + "  \n";
  out += fmt::format("`{}`\n\n", str(report, "command"));

  out += "## Summary\n\n" + markdown_table(summary_table(report)) + "\n";
  out += std::string(kSummaryNote) + "\n\n";
  out += "## Scenarios\n\n" + markdown_table(scenario_table(report)) + "\n";
  if (const Table t = scale_table(report); !t.rows.empty()) {
    out += "## Scaling out\n\n" + markdown_table(t) + "\n" + kScaleNote + "\n\n";
  }
  if (const Table t = wan_table(report); !t.rows.empty()) {
    out += "## Across a WAN\n\n" + wan_link(report) + "\n\n" + markdown_table(t) + "\n" + kWanNote + "\n\n";
  }
  if (const Table t = fault_table(report); !t.rows.empty()) {
    out += "## Fault scenarios\n\n" + markdown_table(t) + "\n" + kFaultNote + "\n\n";
  }
  if (const Table t = baseline_table(report); !t.rows.empty()) out += "## Baselines\n\n" + markdown_table(t) + "\n";
  if (const Table t = batch_latency_table(report); !t.rows.empty()) {
    out += std::string("## Sink latency by --batch-ms\n\n") + kBatchLatencyNote + "\n\n" + markdown_table(t) + "\n";
  }
  if (const Table t = resource_table(report); !t.rows.empty()) {
    out += "## Resources\n\nPer monitored process over each scenario; CPU in % of one core.\n\n" + markdown_table(t) +
           "\n";
  }
  if (const Table t = broker_table(report); !t.rows.empty()) {
    out += "## The broker's own view\n\n" + markdown_table(t) + "\n" + kBrokerNote + "\n\n";
  }
  out += "## Problems\n\n";
  const auto found = problems(report);
  if (found.empty()) out += "None.\n";
  for (const auto& [scenario, problem] : found) out += "- **" + md_cell(scenario) + "**: " + md_cell(problem) + "\n";
  out += "\n## Machine\n\n" + markdown_table(machine_table(report)) + "\n";
  out += "## Versions\n\n" + markdown_table(versions_table(report));
  return out;
}

std::string render_html(const json& report, const fs::path& web_dist) {
  const std::string script = read_file(web_dist / "report.js");
  const fs::path css_path = web_dist / "report.css";
  const std::string css = fs::exists(css_path) ? read_file(css_path) : std::string();

  std::string html = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>streamlab bench · " + html_escape(str(report, "started_at")) + "</title>\n";
  html += "<style>\n" + replace_all(css, "</style", "<\\/style") + "\n</style>\n</head>\n<body>\n";
  html += "<header><h1>streamlab bench report</h1>\n<p class=\"when\">" + html_escape(when_line(report)) +
          "</p>\n<p class=\"command\"><code>" + html_escape(str(report, "command")) + "</code></p></header>\n<main>\n";

  html += "<section id=\"summary\"><h2>Summary</h2>\n" + html_table(summary_table(report)) + "<p class=\"note\">" +
          html_escape(kSummaryNote) + "</p></section>\n";
  // The charts are drawn by report.js into these sections, from the embedded document.
  html += "<section id=\"sinks\" data-charts=\"sinks\"><h2>Sinks beside their baselines</h2></section>\n";
  html += "<section id=\"throughput\" data-charts=\"throughput\"><h2>Throughput and lag</h2></section>\n";
  html += "<section id=\"latency\" data-charts=\"latency\"><h2>Latency</h2></section>\n";
  html += "<section id=\"resources\" data-charts=\"resources\"><h2>CPU, memory and disk</h2></section>\n";

  html += "<section id=\"scenarios\"><h2>Scenarios</h2>\n<div class=\"scroll\">" + html_table(scenario_table(report)) +
          "</div></section>\n";
  if (const Table t = scale_table(report); !t.rows.empty()) {
    html += "<section id=\"scale\"><h2>Scaling out</h2>\n<div class=\"scroll\">" + html_table(t) +
            "</div><p class=\"note\">" + html_escape(kScaleNote) + "</p></section>\n";
  }
  if (const Table t = wan_table(report); !t.rows.empty()) {
    html += "<section id=\"wan\"><h2>Across a WAN</h2>\n<p class=\"note\">" + html_escape(wan_link(report)) +
            "</p><div class=\"scroll\">" + html_table(t) + "</div><p class=\"note\">" + html_escape(kWanNote) +
            "</p></section>\n";
  }
  if (const Table t = fault_table(report); !t.rows.empty()) {
    html += "<section id=\"faults\"><h2>Fault scenarios</h2>\n<div class=\"scroll\">" + html_table(t) +
            "</div><p class=\"note\">" + html_escape(kFaultNote) +
            " Their throughput charts above shade the fault (red) and the recovery (amber).</p></section>\n";
  }
  if (const Table t = baseline_table(report); !t.rows.empty()) {
    html +=
        "<section id=\"baselines\"><h2>Baselines</h2>\n<div class=\"scroll\">" + html_table(t) + "</div></section>\n";
  }
  if (const Table t = batch_latency_table(report); !t.rows.empty()) {
    html += std::string("<section id=\"batch-latency\"><h2>Sink latency by --batch-ms</h2>\n<p class=\"note\">") +
            kBatchLatencyNote + "</p><div class=\"scroll\">" + html_table(t) + "</div></section>\n";
  }
  if (const Table t = resource_table(report); !t.rows.empty()) {
    html +=
        "<section id=\"resource-table\"><h2>Resources per scenario</h2>\n<p class=\"note\">CPU in % of one core.</p>" +
        html_table(t) + "</section>\n";
  }
  if (const Table t = broker_table(report); !t.rows.empty()) {
    html += "<section id=\"broker\"><h2>The broker's own view</h2>\n<div class=\"scroll\">" + html_table(t) +
            "</div><p class=\"note\">" + html_escape(kBrokerNote) + "</p></section>\n";
  }
  html += "<section id=\"problems\"><h2>Problems</h2>\n";
  const auto found = problems(report);
  if (found.empty())
    html += "<p>None.</p>\n";
  else {
    html += "<ul>";
    for (const auto& [scenario, problem] : found) {
      html += "<li><strong>" + html_escape(scenario) + "</strong>: " + html_escape(problem) + "</li>";
    }
    html += "</ul>\n";
  }
  html += "</section>\n<section id=\"machine\" class=\"pair\"><div><h2>Machine</h2>\n" +
          html_table(machine_table(report), "facts") + "</div><div><h2>Versions</h2>\n" +
          html_table(versions_table(report), "facts") + "</div></section>\n</main>\n";

  html += "<script type=\"application/json\" id=\"report-data\">" + json_for_script(report) + "</script>\n";
  html += "<script>" + replace_all(script, "</script", "<\\/script") + "</script>\n</body>\n</html>\n";
  return html;
}

void write_report(const json& report, const fs::path& out_dir, const fs::path& web_dist) {
  // Render everything first: a missing bundle leaves no half-written report behind.
  const std::string markdown = render_markdown(report);
  const std::string html = render_html(report, web_dist);
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw core::RuntimeFailure(fmt::format("could not create {}: {}", out_dir.string(), ec.message()));
  write_file(out_dir / "report.json", report.dump(1) + "\n");
  write_file(out_dir / "report.md", markdown);
  write_file(out_dir / "report.html", html);
}

}  // namespace streamlab::bench
