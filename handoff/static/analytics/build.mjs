// Copies Chart.js from node_modules into vendor/ (served at /static/analytics/vendor/chart.umd.min.js).
// Run: npm ci --prefix handoff/static/analytics && npm run build --prefix handoff/static/analytics
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "chart.js", "dist", "chart.umd.min.js");
const target = join(here, "vendor", "chart.umd.min.js");
mkdirSync(join(here, "vendor"), { recursive: true });
copyFileSync(source, target);
console.log(`copied ${source} -> ${target}`);
