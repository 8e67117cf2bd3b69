import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { buildService, round, type Row } from "./bench-kit.js";
import { cleaning } from "./scenarios/cleaning.js";
import { longAnswer } from "./scenarios/long-answer.js";
import { memory } from "./scenarios/memory.js";
import { publishing } from "./scenarios/publishing.js";
import { subtitlesMemory } from "./scenarios/subtitles-memory.js";
import { uploadOverhead } from "./scenarios/upload-overhead.js";
import { workers } from "./scenarios/workers.js";

/**
 * `npm run bench [-- --quick]`: the service against the limits of its stack, each scenario alternating ours
 * and a baseline for several rounds on loopback, reporting medians and ratios. Results go to
 * bench/results.json. External services are local servers that answer at once (or at a set pace).
 */
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" } } });
const quick = values.quick;

const rows: Row[] = [];
function record(row: Row) {
  rows.push(row);
  const ratio = row.ratio === null ? "" : ` ratio ${row.ratio}${row.spread ? ` (${row.spread.join("/")})` : ""}`;
  console.error(
    `  ${row.scenario} / ${row.metric}: ours ${row.ours}${row.baseline === null ? "" : `, baseline ${row.baseline}`}${ratio}`,
  );
}

const scenarios = {
  upload: uploadOverhead,
  "long-answer": longAnswer,
  memory,
  subtitles: subtitlesMemory,
  cleaning,
  publishing,
  workers,
};
const started = Date.now();
buildService();
for (const [name, run] of Object.entries(scenarios)) {
  if (values.only !== undefined && values.only !== name) continue;
  const scenarioStarted = Date.now();
  await run({ quick, record });
  console.error(`  (${name}: ${Math.round((Date.now() - scenarioStarted) / 1000)} s)`);
}

const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
// A run of some scenarios keeps the last figures of the others.
const earlier =
  values.only === undefined
    ? []
    : ((
        JSON.parse(await readFile(new URL("./results.json", import.meta.url), "utf8").catch(() => "{}")) as {
          rows?: Row[];
        }
      ).rows ?? []);
const ran = new Set(rows.map((row) => row.scenario));
const results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  duration_s: Math.round((Date.now() - started) / 1000),
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
  },
  commit,
  rows: [...earlier.filter((row) => !ran.has(row.scenario)), ...rows],
};
await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);

const table = [
  "| scenario | metric | ours | baseline | ratio | ratio min / median / max | target | met |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (row) =>
      `| ${row.scenario} | ${row.metric} | ${row.ours} | ${row.baseline ?? ""} | ${row.ratio ?? ""} | ${row.spread ? row.spread.join(" / ") : ""} | ${row.target} | ${row.met === null ? "" : row.met ? "yes" : "NO"} |`,
  ),
];
console.log(
  `\n${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}, commit ${commit}, ${results.mode} run in ${results.duration_s} s\n`,
);
console.log(table.join("\n"));
