import { execFileSync } from "node:child_process";
import { pino } from "pino";

/** What a scenario is given: the run's mode and where its figures go. */
export interface BenchContext {
  quick: boolean;
  record: (row: Row) => void;
}

export const MiB = 1024 * 1024;

/** The words a generated transcript is made of: a meeting's, short and repeated. */
export const SPOKEN_WORDS = ["so", "we", "think", "the", "release", "should", "ship", "after", "review", "and", "docs"];
export const FIXTURES = new URL("../tests/fixtures/", import.meta.url);
export const silent = pino({ level: "silent" });
export const AWS_TEST = { AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_REGION: "us-east-1" };
/**
 * What the image sets (Dockerfile `ENV`) and the service's own default log level (the test harness starts
 * servers at `debug`, five lines a request), so the service is measured as it runs.
 */
export const AS_SHIPPED = {
  NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "--max-semi-space-size=2",
  LOG_LEVEL: "info",
};

/** The service and its worker as the image runs them: the compiled `dist/`, not TypeScript through tsx. */
export const SERVICE_ENTRY = ["dist/app/server.js"];
export const WORKER_ENTRY = ["dist/app/worker.js"];

/** Compiles the service (`npm run build`) so a run measures the code as checked out. */
export function buildService(): void {
  try {
    execFileSync("npm", ["run", "--silent", "build"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`bench: npm run build failed\n${stdout}${stderr}`, { cause: error });
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Min, median and max of the per-round ratios: the spread tells signal from noise. */
export const spread = (values: number[]): [number, number, number] => [
  round(Math.min(...values)),
  round(median(values)),
  round(Math.max(...values)),
];

export interface Row {
  scenario: string;
  metric: string;
  ours: number;
  baseline: number | null;
  ratio: number | null;
  /** Min, median and max of the ratio over the rounds, where there are rounds. */
  spread?: [number, number, number] | null;
  target: string;
  met: boolean | null;
}
