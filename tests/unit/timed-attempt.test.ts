import { getEventListeners } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AttemptTimedOut, timedAttempt } from "../../app/transcription/provider-retry.js";
import { gate } from "../support/gate.js";

describe("an attempt's own timeout", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => vi.useRealTimers());

  it("aborts the attempt once it runs out, and reports a timeout", async () => {
    const attempt = timedAttempt(
      100,
      undefined,
      (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
    );
    const settled = attempt.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(101);
    expect(await settled).toBeInstanceOf(AttemptTimedOut);
  });

  it("stands still while the attempt waits through its pause, and runs on for what was left", async () => {
    const room = gate();
    const answer = gate();
    let aborted = false;
    const attempt = timedAttempt(100, undefined, async (signal, pause) => {
      signal.addEventListener("abort", () => (aborted = true));
      await vi.advanceTimersByTimeAsync(60);
      await pause(room.opened);
      await answer.opened;
      if (signal.aborted) throw new Error("aborted");
      return "answered";
    });
    const settled = attempt.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(aborted).toBe(false);
    room.open();
    await vi.advanceTimersByTimeAsync(30);
    expect(aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(aborted).toBe(true);
    answer.open();
    expect(await settled).toBeInstanceOf(AttemptTimedOut);
  });

  it("does not start before the upload has arrived, pause or not", async () => {
    const arrived = gate();
    let aborted = false;
    const attempt = timedAttempt(
      100,
      undefined,
      (signal, pause) => {
        signal.addEventListener("abort", () => (aborted = true));
        return pause(Promise.resolve()).then(() => new Promise<never>(() => undefined));
      },
      arrived.opened,
    );
    void attempt.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(aborted).toBe(false);
    arrived.open();
    await vi.advanceTimersByTimeAsync(101);
    expect(aborted).toBe(true);
  });
});

describe("the signal an attempt is given", () => {
  // A collection on demand: the flag lets a fresh context see `gc`.
  setFlagsFromString("--expose-gc");
  const collectGarbage = runInNewContext("gc") as () => void;

  it("is let go of once the attempt is over, though the attempt left its listener on it, as the SDKs do", async () => {
    const caller = new AbortController();
    const given: Array<WeakRef<AbortSignal>> = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const run = async (signal: AbortSignal) => {
        // Deepgram's SDK joins it with its own timeout by a listener it never removes; OpenAI's does the same.
        signal.addEventListener("abort", () => undefined);
        given.push(new WeakRef(signal));
        // The provider's answer, a refusal every other time.
        await nextTurn();
        if (attempt % 2 === 1) throw new Error("refused");
        return attempt;
      };
      await timedAttempt(60_000, caller.signal, run).catch(() => undefined);
    }
    // WeakRefs hold their targets until the end of the turn that made them.
    await nextTurn();
    collectGarbage();
    expect(given.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("still aborts with the caller's signal while the attempt runs", async () => {
    const caller = new AbortController();
    const attempt = timedAttempt(
      60_000,
      caller.signal,
      (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error))),
    );
    caller.abort(new Error("client gone"));
    await expect(attempt).rejects.toThrow("client gone");
  });
});
