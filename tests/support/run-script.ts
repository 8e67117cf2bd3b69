import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** tsx by absolute URL, so a script can run from any working directory. */
const TSX = import.meta.resolve("tsx");
/** An empty working directory: no `.env.local` of a developer's `npm run dev` is read by accident. */
const NEUTRAL_DIR = mkdtempSync(join(tmpdir(), "batch-cli-"));

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time, for the "refuses at once" checks (bounds are loose: the machine may be busy). */
  ms: number;
}

/**
 * Runs one of the project's command-line scripts as `npm run` would, under the tests' Node, with only the
 * given environment (and PATH), from an empty directory unless `cwd` says otherwise.
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", TSX, `${ROOT}${script}`, ...args], {
      cwd: options.cwd ?? NEUTRAL_DIR,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
