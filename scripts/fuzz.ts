import { runFuzz } from "../tests/support/fuzz-requests.js";
import { runCommand } from "../tools/cli/command-line.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { CliFailure } from "../tools/cli/failures.js";

function wholeNumber(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min)
    throw new CliFailure(
      EXIT.usage,
      `--${name} must be a whole number of at least ${min}, not ${JSON.stringify(value)}`,
    );
  return parsed;
}

await runCommand(
  {
    command: "npm run fuzz",
    summary:
      "Sends generated requests (malformed, oversized, slow, well-formed) to a real listening server on loopback and\n" +
      "prints the answers by status. Fails when a request got no answer or a 5xx, the server died, or files were left.",
    options: {
      cases: { type: "string", value: "<n>", default: "1000", description: "how many requests" },
      seed: { type: "string", value: "<n>", description: "the generator's seed, to replay a run (default: the clock)" },
      concurrency: { type: "string", value: "<n>", default: "8", description: "requests in flight at once" },
    },
    exitCodes: ["ok", "failed", "usage", "software"],
  },
  async (options) => {
    const cases = wholeNumber("cases", options.cases, 1);
    const seed = options.seed === undefined ? Date.now() : wholeNumber("seed", options.seed, 0);
    const concurrency = wholeNumber("concurrency", options.concurrency, 1);
    const started = performance.now();
    const report = await runFuzz({ cases, seed, concurrency });
    console.log(`fuzz: ${cases} cases, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const [status, count] of Object.entries(report.byStatus).sort())
      console.log(`  ${status.padEnd(10)} ${count}`);
    console.log(
      `server alive after: ${report.aliveAfter ? "yes" : "NO"}; temporary files left: ${report.leftoverUploads.length}`,
    );
    for (const failure of report.failures.slice(0, 20)) console.log("FAILED", JSON.stringify(failure));
    console.log(`${cases - report.failures.length} passed, ${report.failures.length} failed`);
    return report.failures.length === 0 && report.aliveAfter && report.leftoverUploads.length === 0
      ? EXIT.ok
      : EXIT.failed;
  },
);
