// Debian's Chromium, headless, driven by playwright-core: the one way the page tests start a
// browser. This machine's network is closed, so Chromium's own background traffic is switched
// off; a fresh profile per run.
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function launchBrowser() {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "streamlab-chromium-")), {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return context;
}

// Where screenshots go: STREAMLAB_ARTIFACTS (set by ctest to <build>/artifacts), else cwd.
export function artifactPath(name) {
  return join(process.env.STREAMLAB_ARTIFACTS || ".", name);
}
