// Builds the front ends into dist/, which streamlab serves (dashboard) or inlines (report):
//   dist/dashboard/index.html, app.js, app.css   <- src/dashboard/
//   dist/report.js, dist/report.css               <- src/report/
// Everything is bundled: no page fetches anything from elsewhere at run time.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, existsSync } from "node:fs";

const common = { bundle: true, minify: true, target: "es2020", logLevel: "warning" };
mkdirSync("dist/dashboard", { recursive: true });
const builds = [];
if (existsSync("src/dashboard/main.js")) {
  builds.push(esbuild.build({ ...common, entryPoints: { app: "src/dashboard/main.js" }, outdir: "dist/dashboard" }));
  copyFileSync("src/dashboard/index.html", "dist/dashboard/index.html");
}
if (existsSync("src/report/main.js")) {
  builds.push(esbuild.build({ ...common, entryPoints: { report: "src/report/main.js" }, outdir: "dist", format: "iife" }));
}
await Promise.all(builds);
