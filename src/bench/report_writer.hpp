#pragma once
// The bench report, from report.json's document (docs/report.schema.json) alone:
//   report.json  the document itself
//   report.md    the summary tables (what a note or a README quotes)
//   report.html  one self-contained page with the charts, readable offline: the charting
//                bundle built from web/src/report (web/dist/report.js) is inlined with the data.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace streamlab::bench {

std::string render_markdown(const nlohmann::json& report);
// `web_dist`: the built front ends (web/dist); a missing bundle is a RuntimeFailure naming it.
std::string render_html(const nlohmann::json& report, const std::filesystem::path& web_dist);
// Writes the three files into `out_dir` (created when missing).
void write_report(const nlohmann::json& report, const std::filesystem::path& out_dir,
                  const std::filesystem::path& web_dist);

}  // namespace streamlab::bench
