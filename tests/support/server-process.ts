import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  /** Resident set size in bytes, from /proc. */
  rssBytes(): Promise<number>;
  /** Runs `action`, sampling RSS meanwhile; resolves with its result and the peak growth over the RSS before. */
  peakRssGrowthDuring<T>(action: () => Promise<T>): Promise<{ result: T; growthBytes: number }>;
  stop(): Promise<number | null>;
}

/**
 * Starts the real service (`app/server.ts`) as its own process, under the same Node as the tests, on a free
 * port, and resolves once it is listening.
 */
export async function startServerProcess(
  env: Record<string, string>,
  { entry = ["--import", "tsx", "app/server.ts"], cwd = ROOT }: { entry?: string[]; cwd?: string } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry, {
    cwd,
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "debug", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === "listening") {
        clearTimeout(timer);
        resolve(Number(entry.port));
      }
    });
  });
  async function rssBytes() {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    child,
    logs,
    rssBytes,
    async peakRssGrowthDuring(action) {
      const before = await rssBytes();
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await rssBytes());
          await sleep(20);
        }
      })();
      try {
        return { result: await action(), growthBytes: peak - before };
      } finally {
        sampling = false;
        await sampler;
      }
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      });
    },
  };
}
