import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { watchLoopLag, type LoopLagWatch } from "../../app/http/server/loop-lag.js";
import { BEHIND_MS, CALM_TICKS, createUploadPacing, MIN_LIMIT, ROOM_MS } from "../../app/http/server/upload-pacing.js";

/** A lag watch the test reads out by hand: `late(ms)` is one tick of the timer, that late. */
function handWatch() {
  let report: ((lateMs: number) => void) | undefined;
  let running = false;
  const watch: LoopLagWatch = (onLateness) => {
    report = onLateness;
    return {
      start: () => void (running = true),
      stop: () => void (running = false),
    };
  };
  return {
    watch,
    late: (ms: number) => report?.(ms),
    get running() {
      return running;
    },
  };
}

const behind = BEHIND_MS + 1;
const calm = ROOM_MS;

/** Resolves in admission order: each admitted upload's name is pushed once it is let in. */
function track(pacing: ReturnType<typeof createUploadPacing>, order: string[]) {
  const turns = new Map<string, { release(): void }>();
  return {
    arrive(name: string, tenantId = "tenant-a", signal?: AbortSignal) {
      return pacing.admit(tenantId, signal).then((turn) => {
        order.push(name);
        turns.set(name, turn);
        return turn;
      });
    },
    done: (name: string) => turns.get(name)?.release(),
  };
}

/** A pacing on a hand-read watch, and its uploads tracked in the order they are let in. */
function paced(options: { maxLimit: number; maxWaitMs?: number }) {
  const lag = handWatch();
  const pacing = createUploadPacing({ ...options, watch: lag.watch });
  const order: string[] = [];
  return { lag, pacing, order, uploads: track(pacing, order) };
}

/** Lets promise callbacks run. */

afterEach(() => {
  vi.useRealTimers();
});

describe("upload pacing", () => {
  it("lets every upload in at once while the loop keeps up, up to the instance's limit", async () => {
    const { lag, pacing, order, uploads } = paced({ maxLimit: 8 });
    for (let i = 0; i < 8; i += 1) void uploads.arrive(`u${i}`);
    lag.late(0);
    await nextTurn();
    expect(order).toHaveLength(8);
    expect(pacing.state).toEqual({ active: 8, waiting: 0, limit: 8, tenants: 0 });
    expect(lag.running).toBe(true);
  });

  it("halves the limit each time the loop is behind, never below its floor, and new uploads wait their turn", async () => {
    const { lag, pacing, order, uploads } = paced({ maxLimit: 16 });
    void uploads.arrive("first");
    await nextTurn();
    lag.late(behind);
    expect(pacing.state.limit).toBe(8);
    for (let i = 0; i < 10; i += 1) lag.late(behind);
    expect(pacing.state.limit).toBe(MIN_LIMIT);
    void uploads.arrive("second");
    void uploads.arrive("third");
    await nextTurn();
    expect(order).toEqual(["first", "second"]);
    expect(pacing.state).toMatchObject({ active: 2, waiting: 1 });
    uploads.done("first");
    await nextTurn();
    expect(order).toEqual(["first", "second", "third"]);
  });

  it("lets one more upload in after a run of calm readings, not after one, and a late reading starts the run again", async () => {
    const { lag, pacing, order, uploads } = paced({ maxLimit: 16 });
    void uploads.arrive("a");
    void uploads.arrive("b");
    await nextTurn();
    for (let i = 0; i < 10; i += 1) lag.late(behind);
    void uploads.arrive("c");
    await nextTurn();
    expect(order).toEqual(["a", "b"]);
    for (let i = 0; i < CALM_TICKS - 1; i += 1) lag.late(calm);
    // Between calm and behind: neither, and the run of calm readings starts again.
    lag.late((ROOM_MS + BEHIND_MS) / 2);
    lag.late(calm);
    await nextTurn();
    expect(order).toEqual(["a", "b"]);
    for (let i = 0; i < CALM_TICKS - 1; i += 1) lag.late(calm);
    await nextTurn();
    expect(order).toEqual(["a", "b", "c"]);
    expect(pacing.state.limit).toBe(MIN_LIMIT + 1);
  });

  it("takes turns between tenants, whatever order their uploads arrived in", async () => {
    const { pacing, order, uploads } = paced({ maxLimit: 2 });
    void uploads.arrive("a0", "tenant-a");
    void uploads.arrive("a1", "tenant-a");
    await nextTurn();
    for (const name of ["a2", "a3", "a4"]) void uploads.arrive(name, "tenant-a");
    void uploads.arrive("b0", "tenant-b");
    void uploads.arrive("c0", "tenant-c");
    await nextTurn();
    for (const name of ["a0", "a1", "a2", "b0", "c0", "a3"]) {
      uploads.done(name);
      await nextTurn();
    }
    expect(order).toEqual(["a0", "a1", "a2", "b0", "c0", "a3", "a4"]);
    expect(pacing.state).toEqual({ active: 1, waiting: 0, limit: 2, tenants: 0 });
  });

  it("lets a waiting upload in after the longest wait, over the limit: pacing delays, never refuses", async () => {
    vi.useFakeTimers();
    const { pacing, order, uploads } = paced({ maxLimit: 2, maxWaitMs: 2_000 });
    void uploads.arrive("a");
    void uploads.arrive("b");
    const third = uploads.arrive("c");
    await vi.advanceTimersByTimeAsync(1_999);
    expect(order).toEqual(["a", "b"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(order).toEqual(["a", "b", "c"]);
    expect((await third).waitedMs).toBeGreaterThanOrEqual(0);
    expect(pacing.state).toEqual({ active: 3, waiting: 0, limit: 2, tenants: 0 });
  });

  it("lets a waiting upload in at once when its request is over, so that it fails on its own and gives its turn back", async () => {
    const { pacing, order, uploads } = paced({ maxLimit: 2 });
    void uploads.arrive("a");
    void uploads.arrive("b");
    const gone = new AbortController();
    void uploads.arrive("gone", "tenant-a", gone.signal);
    void uploads.arrive("next", "tenant-b");
    await nextTurn();
    gone.abort();
    await nextTurn();
    expect(order).toEqual(["a", "b", "gone"]);
    expect(pacing.state).toMatchObject({ active: 3, waiting: 1, tenants: 1 });
    uploads.done("gone");
    uploads.done("a");
    await nextTurn();
    expect(order).toEqual(["a", "b", "gone", "next"]);
    // An upload whose request was already over is not queued at all.
    const over = AbortSignal.abort();
    await uploads.arrive("over", "tenant-c", over);
    expect(order.at(-1)).toBe("over");
  });

  it("stops reading the loop once no upload is in or waiting, and starts again from the whole limit", async () => {
    const { lag, pacing, uploads } = paced({ maxLimit: 16 });
    await uploads.arrive("a");
    lag.late(behind);
    expect(pacing.state.limit).toBe(8);
    uploads.done("a");
    uploads.done("a");
    expect(lag.running).toBe(false);
    expect(pacing.state).toEqual({ active: 0, waiting: 0, limit: 16, tenants: 0 });
    await uploads.arrive("b");
    expect(lag.running).toBe(true);
  });

  it("keeps its counts whole under any mix of arrivals, readings, departures and aborts", async () => {
    type Step =
      | { kind: "arrive"; tenant: number; abortLater: boolean }
      | { kind: "late"; ms: number }
      | { kind: "done"; index: number }
      | { kind: "abort"; index: number };
    const step = fc.oneof(
      fc.record({ kind: fc.constant("arrive" as const), tenant: fc.nat(3), abortLater: fc.boolean() }),
      fc.record({ kind: fc.constant("late" as const), ms: fc.nat(20) }),
      fc.record({ kind: fc.constant("done" as const), index: fc.nat(30) }),
      fc.record({ kind: fc.constant("abort" as const), index: fc.nat(30) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 40 }), async (maxLimit, steps) => {
        const lag = handWatch();
        const pacing = createUploadPacing({ maxLimit, watch: lag.watch });
        const arrivals: Array<{ controller: AbortController; turn?: { release(): void } }> = [];
        for (const s of steps as Step[]) {
          if (s.kind === "arrive") {
            const arrival: (typeof arrivals)[number] = { controller: new AbortController() };
            arrivals.push(arrival);
            void pacing.admit(`tenant-${s.tenant}`, arrival.controller.signal).then((turn) => (arrival.turn = turn));
          } else if (s.kind === "late") lag.late(s.ms);
          else if (s.kind === "done") arrivals[s.index]?.turn?.release();
          else arrivals[s.index]?.controller.abort();
          await nextTurn();
          const { active, waiting, limit, tenants } = pacing.state;
          // No tenant is kept in the rotation without an upload waiting.
          expect(tenants).toBeLessThanOrEqual(waiting);
          const admitted = arrivals.filter((arrival) => arrival.turn !== undefined).length;
          expect(active + waiting).toBeLessThanOrEqual(arrivals.length);
          expect(waiting).toBe(arrivals.length - admitted);
          expect(limit).toBeGreaterThanOrEqual(MIN_LIMIT);
          expect(limit).toBeLessThanOrEqual(Math.max(MIN_LIMIT, maxLimit));
          // Nobody waits while there is room.
          if (waiting > 0) expect(active).toBeGreaterThanOrEqual(limit);
        }
        for (const arrival of arrivals) arrival.controller.abort();
        await nextTurn();
        for (const arrival of arrivals) arrival.turn?.release();
        expect(pacing.state).toMatchObject({ active: 0, waiting: 0, tenants: 0 });
        expect(lag.running).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the loop lag watch", () => {
  it("reports a tick as late as the loop was held", async () => {
    const readings: number[] = [];
    const watch = watchLoopLag((lateMs) => readings.push(lateMs));
    watch.start();
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // The loop held: the tick due meanwhile runs late.
    }
    try {
      await vi.waitFor(() => expect(Math.max(...readings)).toBeGreaterThanOrEqual(40), { timeout: 10_000 });
    } finally {
      watch.stop();
    }
  });

  it("ticks every 10 ms between start and stop, once however often it is started, and not after", async () => {
    vi.useFakeTimers();
    const readings: number[] = [];
    const watch = watchLoopLag((lateMs) => readings.push(lateMs));
    await vi.advanceTimersByTimeAsync(100);
    expect(readings).toHaveLength(0);
    watch.start();
    watch.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(readings).toHaveLength(10);
    expect(readings.every((lateMs) => lateMs >= 0)).toBe(true);
    watch.stop();
    await vi.advanceTimersByTimeAsync(100);
    expect(readings).toHaveLength(10);
  });
});
