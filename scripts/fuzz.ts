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
      "Sends generated requests (malformed, oversized, slow, well-formed) to a real listening server on loopback: uploads\n" +
      "to both POST routes, answers sent back for subtitles, reads and deletes of jobs. It prints the answers by status. Fails when a request got no answer, a 5xx or a refusal that is not problem+json,\n" +
      "an answer outside its schema (a problem, a transcript, its times) or WebVTT a parser refuses, the server died, or files were left.",
    options: {
      cases: { type: "string", value: "<n>", default: "1000", description: "how many requests" },
      seed: { type: "string", value: "<n>", description: "the generator's seed, to replay a run (default: the clock)" },
      concurrency: { type: "string", value: "<n>", default: "8", description: "requests in flight at once" },
      wait: {
        type: "string",
        value: "<s>",
        description:
          "how long a request may wait for its answer (default: 10, or 40 with --url: a body that stops short is\n" +
          "answered once the server's UPLOAD_IDLE_TIMEOUT_S has passed, 30 s by default)",
      },
      url: {
        type: "string",
        value: "<url>",
        description:
          "a running server to send to (default: one started here, on loopback, with the job routes in memory)",
      },
    },
    exitCodes: ["ok", "failed", "usage", "software"],
  },
  async (options) => {
    const cases = wholeNumber("cases", options.cases, 1);
    const seed = options.seed === undefined ? Date.now() : wholeNumber("seed", options.seed, 0);
    const concurrency = wholeNumber("concurrency", options.concurrency, 1);
    const waitMs =
      1000 *
      (options.wait === undefined ? (options.url === undefined ? 10 : 40) : wholeNumber("wait", options.wait, 1));
    const target = options.url === undefined ? undefined : URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (options.url !== undefined && target === undefined)
      throw new CliFailure(EXIT.usage, `--url must be a URL, not ${JSON.stringify(options.url)}`);
    const started = performance.now();
    console.log(`fuzz: sending to ${target?.origin ?? "a server started here on loopback"}`);
    // Uploads to both POST routes, answers sent back for subtitles, then reads of jobs (lists, cursors, ids,
    // subtitles, deletes).
    const share = Math.max(1, Math.floor(cases / 4));
    const reports = [
      await runFuzz({ cases: share, seed, concurrency, target, waitMs }),
      await runFuzz({ cases: share, seed, concurrency, target, waitMs, path: "/batch/jobs" }),
      await runFuzz({ cases: share, seed, concurrency, target, waitMs, path: "/batch/subtitles" }),
      await runFuzz({ cases: cases - 3 * share, seed, concurrency, target, waitMs, path: "job reads" }),
    ];
    const report = {
      byStatus: {} as Record<string, number>,
      failures: reports.flatMap((part) => part.failures),
      aliveAfter: reports.every((part) => part.aliveAfter),
      leftoverUploads: reports.flatMap((part) => part.leftoverUploads),
    };
    for (const part of reports)
      for (const [status, count] of Object.entries(part.byStatus))
        report.byStatus[status] = (report.byStatus[status] ?? 0) + count;
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
