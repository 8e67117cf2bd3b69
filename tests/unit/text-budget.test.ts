import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../app/http/contract/problem.js";
import type { IdentifiedEnv } from "../../app/http/server/app-env.js";
import { createTextBudget } from "../../app/http/server/text-budget.js";

/** What the budget reads of a request: its headers to set, and its socket's response when there is one. */
function fakeContext(outgoing?: ServerResponse) {
  const headers: Record<string, string> = {};
  const c = {
    header: (name: string, value: string) => (headers[name] = value),
    env: { outgoing },
    var: { log: { info: () => undefined } },
  };
  return { c: c as unknown as Context<IdentifiedEnv>, headers };
}

/** A response whose connection has not closed yet: `close()` is its answer leaving. */
function openResponse() {
  const response = Object.assign(new EventEmitter(), { destroyed: false, closed: false });
  return { outgoing: response as unknown as ServerResponse, close: () => response.emit("close") };
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The budget counts in units of 64 KiB: the tests speak in them. */
const UNIT = 64 * 1024;

describe("the text budget", () => {
  it("lets a request in only when there is room for its bytes, in the order they came", async () => {
    const budget = createTextBudget(100 * UNIT);
    const first = gate();
    const order: string[] = [];
    const a = budget.hold(fakeContext().c, 60 * UNIT, async () => {
      order.push("a starts");
      await first.opened;
      order.push("a ends");
    });
    const b = budget.hold(fakeContext().c, 60 * UNIT, () => Promise.resolve(void order.push("b runs")));
    const small = budget.hold(fakeContext().c, 40 * UNIT, () => Promise.resolve(void order.push("small runs")));
    await expect.poll(() => order).toContain("a starts");
    expect(order).not.toContain("b runs");
    first.open();
    await Promise.all([a, b, small]);
    expect(order.indexOf("b runs")).toBeGreaterThan(order.indexOf("a ends"));
    expect(budget.free).toBe(100 * UNIT);
  });

  it("holds the room until the answer has left, not until the handler returns", async () => {
    const budget = createTextBudget(100 * UNIT);
    const { outgoing, close } = openResponse();
    expect(await budget.hold(fakeContext(outgoing).c, 70 * UNIT, () => Promise.resolve("answer"))).toBe("answer");
    expect(budget.free).toBe(30 * UNIT);
    close();
    expect(budget.free).toBe(100 * UNIT);
  });

  it("gives the room back at once when the work throws", async () => {
    const budget = createTextBudget(100 * UNIT);
    const { outgoing } = openResponse();
    await expect(
      budget.hold(fakeContext(outgoing).c, 70 * UNIT, () => Promise.reject(new Error("bad file"))),
    ).rejects.toThrow("bad file");
    expect(budget.free).toBe(100 * UNIT);
  });

  it("runs a file larger than the whole budget alone rather than never", async () => {
    const budget = createTextBudget(100 * UNIT);
    expect(await budget.hold(fakeContext().c, 10_000 * UNIT, () => Promise.resolve(budget.free))).toBe(0);
    expect(budget.free).toBe(100 * UNIT);
  });

  it("answers 503 too_busy with Retry-After when the wait for room runs out, and leaks no room", async () => {
    const budget = createTextBudget(100 * UNIT, { waitMs: 50 });
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 100 * UNIT, () => Promise.resolve());
    const waiting = fakeContext();
    const refused = await budget.hold(waiting.c, 1, () => Promise.resolve()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "too_busy" });
    expect(waiting.headers["Retry-After"]).toMatch(/^\d+$/);
    close();
    await expect.poll(() => budget.free).toBe(100 * UNIT);
  });

  it("takes and gives back room cheaply at the default size (counted in units, not bytes)", async () => {
    // Counted in bytes, async-mutex walked all 64 Mi of them on every release: a second a request.
    const budget = createTextBudget(64 * 1024 * 1024);
    for (let request = 0; request < 200; request++)
      await budget.hold(fakeContext().c, 20 * 1024, () => Promise.resolve());
    expect(budget.free).toBe(64 * 1024 * 1024);
  });

  it("rounds a small file up to one unit, so every hold takes some room", async () => {
    const budget = createTextBudget(2 * UNIT);
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 1, () => Promise.resolve());
    expect(budget.free).toBe(UNIT);
    close();
    expect(budget.free).toBe(2 * UNIT);
  });
});
