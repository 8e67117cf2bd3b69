import type { Server } from "node:http";
import type { Logger } from "../../logger.js";
import type { TempFiles } from "../../upload/temp-files.js";
import type { InFlightRequests } from "../middleware/in-flight-requests.js";

export interface ShutdownOptions {
  server: Server;
  inFlight: InFlightRequests;
  /** What abandoned requests were writing: removed before exit. */
  tempFiles: TempFiles;
  graceMs: number;
  logger: Logger;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, report not-ready, let in-flight requests (and the event
 * publishes they await) finish and their answers reach the client, then exit 0. If the grace period runs
 * out first, log what is abandoned, remove the temporary files it leaves, and exit 1.
 */
export function installGracefulShutdown({
  server,
  inFlight,
  tempFiles,
  graceMs,
  logger,
  exit = (code) => process.exit(code),
}: ShutdownOptions) {
  let shuttingDown = false;

  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    inFlight.startDraining();
    logger.info({ signal, in_flight: inFlight.size, grace_ms: graceMs }, "shutting down: finishing in-flight requests");

    const closed = new Promise<"closed">((resolve) => server.close(() => resolve("closed")));
    // Keep-alive connections go idle once their answer is written; close each as it does.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace over">(
      (resolve) => (graceTimer = setTimeout(() => resolve("grace over"), graceMs)),
    );

    const result = await Promise.race([closed, graceOver]);
    clearInterval(idleSweep);
    clearTimeout(graceTimer);
    if (result === "closed") {
      logger.info("all requests finished; exiting");
      exit(0);
      return;
    }
    const now = Date.now();
    logger.error(
      {
        abandoned: inFlight.list().map((request) => ({
          interaction_id: request.interactionId,
          method: request.method,
          path: request.path,
          running_ms: now - request.startedAt,
        })),
      },
      "grace period over: abandoning in-flight requests",
    );
    const removed = await tempFiles.releaseAll().catch((error: unknown) => {
      logger.error({ err: error }, "could not remove the abandoned requests' temporary files");
      return 0;
    });
    logger.info({ removed }, "abandoned uploads removed");
    exit(1);
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void shutdown(signal));
}
