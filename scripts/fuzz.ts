import { parseArgs } from "node:util";
import { runFuzz } from "../tests/support/fuzz-requests.js";

/**
 * `npm run fuzz [-- --cases N --seed S --concurrency C]`: generated requests against a real listening server
 * on loopback. Prints the answers by status; exits 1 if any got no answer or a 5xx, or the server died.
 */
const { values } = parseArgs({
  options: { cases: { type: "string", default: "1000" }, seed: { type: "string" }, concurrency: { type: "string", default: "8" }, help: { type: "boolean" } },
});
if (values.help) {
  console.log("usage: npm run fuzz -- [--cases N] [--seed S] [--concurrency C]");
  process.exit(0);
}
const cases = Number(values.cases);
const seed = values.seed === undefined ? Date.now() : Number(values.seed);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  console.error("--cases and --seed must be whole numbers");
  process.exit(2);
}

const started = performance.now();
const report = await runFuzz({ cases, seed, concurrency: Number(values.concurrency) });
console.log(`fuzz: ${cases} cases, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
for (const [status, count] of Object.entries(report.byStatus).sort()) console.log(`  ${status.padEnd(10)} ${count}`);
console.log(`server alive after: ${report.aliveAfter ? "yes" : "NO"}; temporary files left: ${report.leftoverUploads.length}`);
for (const failure of report.failures.slice(0, 20)) console.log("FAILED", JSON.stringify(failure));
const ok = report.failures.length === 0 && report.aliveAfter && report.leftoverUploads.length === 0;
console.log(`${cases - report.failures.length} passed, ${report.failures.length} failed`);
process.exit(ok ? 0 : 1);
