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

describe("the text budget", () => {
  it("lets a request in only when there is room for its bytes, in the order they came", async () => {
    const budget = createTextBudget(100);
    const first = gate();
    const order: string[] = [];
    const a = budget.hold(fakeContext().c, 60, async () => {
      order.push("a starts");
      await first.opened;
      order.push("a ends");
    });
    const b = budget.hold(fakeContext().c, 60, () => Promise.resolve(void order.push("b runs")));
    const small = budget.hold(fakeContext().c, 40, () => Promise.resolve(void order.push("small runs")));
    await expect.poll(() => order).toContain("a starts");
    expect(order).not.toContain("b runs");
    first.open();
    await Promise.all([a, b, small]);
    expect(order.indexOf("b runs")).toBeGreaterThan(order.indexOf("a ends"));
    expect(budget.free).toBe(100);
  });

  it("holds the room until the answer has left, not until the handler returns", async () => {
    const budget = createTextBudget(100);
    const { outgoing, close } = openResponse();
    expect(await budget.hold(fakeContext(outgoing).c, 70, () => Promise.resolve("answer"))).toBe("answer");
    expect(budget.free).toBe(30);
    close();
    expect(budget.free).toBe(100);
  });

  it("gives the room back at once when the work throws", async () => {
    const budget = createTextBudget(100);
    const { outgoing } = openResponse();
    await expect(budget.hold(fakeContext(outgoing).c, 70, () => Promise.reject(new Error("bad file")))).rejects.toThrow(
      "bad file",
    );
    expect(budget.free).toBe(100);
  });

  it("runs a file larger than the whole budget alone rather than never", async () => {
    const budget = createTextBudget(100);
    expect(await budget.hold(fakeContext().c, 10_000, () => Promise.resolve(budget.free))).toBe(0);
    expect(budget.free).toBe(100);
  });

  it("answers 503 too_busy with Retry-After when the wait for room runs out, and leaks no room", async () => {
    const budget = createTextBudget(100, { waitMs: 50 });
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 100, () => Promise.resolve());
    const waiting = fakeContext();
    const refused = await budget.hold(waiting.c, 1, () => Promise.resolve()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "too_busy" });
    expect(waiting.headers["Retry-After"]).toMatch(/^\d+$/);
    close();
    await expect.poll(() => budget.free).toBe(100);
  });
});
