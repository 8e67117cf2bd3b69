import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the worker dies wherever it is. */
  kill(): Promise<void>;
}

/** Runs the real worker (`app/worker.ts`) as its own process; resolves once it has started consuming. */
export async function startWorkerProcess(
  env: Record<string, string>,
  { entry = ["--import", "tsx", "app/worker.ts"], cwd = ROOT }: { entry?: string[]; cwd?: string } = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, entry, {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "debug", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${stderr}`)), 20_000);
    void exited.then((code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === "worker started") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    child,
    logs,
    stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
