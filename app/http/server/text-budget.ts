import { Semaphore, withTimeout, type SemaphoreInterface } from "async-mutex";
import type { Context } from "hono";
import { ApiError } from "../contract/problem.js";
import type { IdentifiedEnv } from "./app-env.js";
import { releaseWhenDelivered } from "./answer-delivery.js";

/**
 * The semaphore counts in units of at least 64 KiB, at most 4,096 of them: its release walks every unit of
 * free room (async-mutex's waiters are kept by weight), so counting single bytes cost a second a request.
 */
const MIN_UNIT_BYTES = 64 * 1024;
const MAX_UNITS = 4096;

/** How long a request waits for its turn before it is told the instance is busy. */
const WAIT_MS = 60_000;
const RETRY_AFTER_S = 10;

/**
 * Text held in memory at once on this instance, by size. A captions file, or a transcript sent back for
 * subtitles, is read and parsed whole and its answer held until sent: several times its size, for every such
 * request at once. Past the budget a request waits its turn (at most a minute, then 503 `too_busy`), so many
 * large files at once cannot take the process past its memory; one larger than the budget runs alone.
 */
export function createTextBudget(capacityBytes: number, { waitMs = WAIT_MS }: { waitMs?: number } = {}) {
  const unitBytes = Math.max(MIN_UNIT_BYTES, Math.ceil(capacityBytes / MAX_UNITS));
  const capacity = Math.max(1, Math.floor(capacityBytes / unitBytes));
  const room = new Semaphore(capacity);
  const timed: SemaphoreInterface = withTimeout(room, waitMs);
  return {
    /** Bytes of the budget free now (for tests), in whole units. */
    get free() {
      return room.getValue() * unitBytes;
    },
    /**
     * Runs `work` holding room for `bytes`, and gives it back once the request's answer has left (its
     * connection closed), or at once when `work` throws.
     */
    async hold<T>(c: Context<IdentifiedEnv>, bytes: number, work: () => Promise<T>): Promise<T> {
      const weight = Math.max(1, Math.min(capacity, Math.ceil(bytes / unitBytes)));
      if (room.getValue() < weight)
        c.var.log.info({ bytes, budget_free: room.getValue() * unitBytes }, "waiting for room in the text budget");
      const release = await timed.acquire(weight).then(
        ([, releaser]) => releaser,
        () => {
          c.header("Retry-After", String(RETRY_AFTER_S));
          throw new ApiError("too_busy", "This instance is holding as much text as it can; try again shortly.", {
            retry_after_s: RETRY_AFTER_S,
          });
        },
      );
      let result: T;
      try {
        result = await work();
      } catch (error) {
        release();
        throw error;
      }
      releaseWhenDelivered(c.env?.outgoing, release);
      return result;
    },
  };
}

export type TextBudget = ReturnType<typeof createTextBudget>;
