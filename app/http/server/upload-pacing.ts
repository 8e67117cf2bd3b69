import type { MiddlewareHandler } from "hono";
import type { IdentifiedEnv } from "./app-env.js";
import { watchLoopLag, type LoopLagWatch } from "./loop-lag.js";

/** Past this lateness the loop is behind: half as many uploads are worked on at once. */
export const BEHIND_MS = 3;
/** At or under this lateness the loop has room; so many readings in a row let one more upload in. */
export const ROOM_MS = 1;
export const CALM_TICKS = 5;
const BACK_OFF = 0.5;
/** Fewest uploads worked on at once, however far behind the loop is. */
export const MIN_LIMIT = 2;
/** Longest an upload waits for its turn: then it is worked on anyway. Pacing delays, never refuses. */
const MAX_WAIT_MS = 2_000;

interface Waiter {
  admit(): void;
}

/**
 * How many uploads the instance works on at once, found from the event loop's lateness (additive increase,
 * multiplicative decrease, read every 10 ms while uploads are in). While the loop is behind, uploads that
 * arrive wait for their turn, unread, and are let in one by one as it catches up, tenants taking turns.
 * Against providers that answer at once the loop saturates, and then every upload being worked on has work
 * ready in each turn of it: the delay grows with their number, not with any one of them. Against a real
 * provider an upload mostly waits, the loop keeps up, and the limit stays at `maxLimit`. A wait ends after
 * `maxWaitMs` whatever the loop says, and at once when the request's signal aborts (it then fails on its own).
 */
export function createUploadPacing({
  maxLimit,
  maxWaitMs = MAX_WAIT_MS,
  watch = watchLoopLag,
}: {
  maxLimit: number;
  maxWaitMs?: number;
  watch?: LoopLagWatch;
}) {
  const ceiling = Math.max(MIN_LIMIT, maxLimit);
  let limit = ceiling;
  let active = 0;
  /** Each tenant's waiting uploads, tenants in the order they take their next turn. */
  const queues = new Map<string, Waiter[]>();
  let waiting = 0;

  let calm = 0;
  const lag = watch((lateMs) => {
    if (lateMs > BEHIND_MS) {
      calm = 0;
      limit = Math.max(MIN_LIMIT, Math.floor(limit * BACK_OFF));
    } else if (lateMs > ROOM_MS) calm = 0;
    else if (++calm >= CALM_TICKS) {
      calm = 0;
      limit = Math.min(ceiling, limit + 1);
    }
    letIn();
  });

  /** The next upload to let in: the first waiting of the tenant whose turn it is. */
  function next(): Waiter | undefined {
    for (const [tenantId, queue] of queues) {
      queues.delete(tenantId);
      // Back at the end of the rotation while it has uploads waiting.
      if (queue.length > 1) queues.set(tenantId, queue);
      return queue.shift();
    }
    return undefined;
  }

  function remove(tenantId: string, waiter: Waiter) {
    const queue = queues.get(tenantId);
    const at = queue?.indexOf(waiter) ?? -1;
    if (queue === undefined || at === -1) return;
    queue.splice(at, 1);
    if (queue.length === 0) queues.delete(tenantId);
  }

  function letIn() {
    while (active < limit) {
      const waiter = next();
      if (waiter === undefined) return;
      waiter.admit();
    }
  }

  function settle() {
    if (active > 0 || waiting > 0) return;
    lag.stop();
    // Quiet: the next upload starts from the whole limit.
    limit = ceiling;
    calm = 0;
  }

  function release() {
    active -= 1;
    letIn();
    settle();
  }

  /** Resolves once the upload may be worked on, with what it waited; `release` once it is done. */
  function admit(tenantId: string, signal?: AbortSignal): Promise<{ waitedMs: number; release(): void }> {
    lag.start();
    const started = performance.now();
    const admitted = () => {
      active += 1;
      let released = false;
      return {
        waitedMs: performance.now() - started,
        release() {
          if (released) return;
          released = true;
          release();
        },
      };
    };
    if (signal?.aborted || (active < limit && waiting === 0)) return Promise.resolve(admitted());
    return new Promise((resolve) => {
      let done = false;
      const enter = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", cutShort);
        waiting -= 1;
        resolve(admitted());
      };
      const waiter: Waiter = { admit: enter };
      // Out of the queue and in, over the limit: the wait ran out, or the request is over anyway.
      const cutShort = () => {
        remove(tenantId, waiter);
        enter();
      };
      const timer = setTimeout(cutShort, maxWaitMs);
      const queue = queues.get(tenantId) ?? [];
      queues.set(tenantId, queue);
      queue.push(waiter);
      waiting += 1;
      signal?.addEventListener("abort", cutShort, { once: true });
    });
  }

  return {
    admit,
    /** Uploads worked on now, waiting now, the limit, and tenants with uploads waiting (for tests). */
    get state() {
      return { active, waiting, limit, tenants: queues.size };
    },
  };
}

export type UploadPacing = ReturnType<typeof createUploadPacing>;

/**
 * Paces the upload route behind it: waits for its turn before the body is read, and gives it back after.
 * `onAdmitted` hears every upload's wait, 0 included.
 */
export function pacedUploads(
  pacing: UploadPacing,
  onAdmitted: (waitedMs: number) => void = () => undefined,
): MiddlewareHandler<IdentifiedEnv> {
  return async function pacedUpload(c, next) {
    const turn = await pacing.admit(c.var.context.tenantId, c.req.raw.signal);
    // Everything after the turn is taken is inside the try: whatever throws, the turn is given back.
    try {
      onAdmitted(turn.waitedMs);
      if (turn.waitedMs >= 1)
        c.var.log.debug({ waited_ms: Math.round(turn.waitedMs) }, "upload waited for its turn on a busy event loop");
      await next();
    } finally {
      turn.release();
    }
  };
}
