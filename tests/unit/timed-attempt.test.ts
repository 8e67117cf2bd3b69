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
