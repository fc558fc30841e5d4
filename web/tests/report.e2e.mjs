// Opens a bench report.html (argv[2]) in headless Chromium and checks that it works offline:
// every chart ([data-chart]) draws (its canvas has non-blank pixels), no console error, no
// request other than file://. Saves a full-page screenshot as report.png in the artifacts.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { launchBrowser, artifactPath } from "./browser.mjs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node report.e2e.mjs REPORT_HTML [MIN_CHARTS]");
  process.exit(2);
}
const minCharts = Number(process.argv[3] || 1);
const failures = [];
const context = await launchBrowser();
try {
  const page = await context.newPage();
  page.on("console", (msg) => { if (msg.type() === "error") failures.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => failures.push(`page error: ${err.message}`));
  page.on("request", (req) => { if (!req.url().startsWith("file://")) failures.push(`network request: ${req.url()}`); });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load", timeout: 15000 });

  // Each chart's canvases, counted for pixels that are not transparent.
  const drawn = () => page.evaluate(() => [...document.querySelectorAll("[data-chart]")].map((figure) => {
    let inked = 0;
    for (const canvas of figure.querySelectorAll("canvas")) {
      if (canvas.width === 0 || canvas.height === 0) continue;
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
    }
    return { id: figure.getAttribute("data-chart"), drawn: figure.getAttribute("data-drawn") === "true", inked };
  }));
  const deadline = Date.now() + 15000;
  let charts = await drawn();
  while (Date.now() < deadline && (charts.length < minCharts || charts.some((c) => !c.drawn || c.inked < 500))) {
    await page.waitForTimeout(100);
    charts = await drawn();
  }
  if (charts.length < minCharts) failures.push(`${charts.length} charts, expected at least ${minCharts}`);
  for (const c of charts) {
    if (!c.drawn || c.inked < 500) failures.push(`chart ${c.id} not drawn (${c.inked} pixels inked)`);
  }
  // Every external reference would be a request above; also none may be written in the page.
  const external = await page.evaluate(() =>
    [...document.querySelectorAll("[src], [href]")].map((e) => e.getAttribute("src") || e.getAttribute("href"))
      .filter((u) => /^(https?:)?\/\//.test(u)));
  if (external.length) failures.push(`external references: ${external.join(", ")}`);
  await page.screenshot({ path: artifactPath("report.png"), fullPage: true });
  console.log(`${charts.length} charts drawn: ${charts.map((c) => c.id).join(", ")}`);
} finally {
  await context.close();
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log("report page OK");
