import { startServerProcess, type ServerProcess } from "../tests/support/server-process.js";
import { MiB, AS_SHIPPED, SERVICE_ENTRY } from "./bench-kit.js";

/**
 * The highest of `rounds` peak RSS growths, each measured by `measure` on a fresh service process (as shipped,
 * with `env`), printed per run under `label`. One run lands on whichever level V8's next collection of spent
 * buffers leaves, so the highest of several is the figure a target is judged on.
 */
export async function highestGrowthOnFreshServers(
  label: string,
  rounds: number,
  env: Record<string, string>,
  measure: (server: ServerProcess) => Promise<number>,
): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < rounds; run += 1) {
    const server = await startServerProcess({ ...AS_SHIPPED, ...env }, { entry: SERVICE_ENTRY });
    try {
      runs.push(await measure(server));
    } finally {
      await server.stop();
    }
  }
  console.error(`  ${label}: peak growth ${runs.map((bytes) => (bytes / MiB).toFixed(1)).join(", ")} MiB`);
  return Math.max(...runs);
}
