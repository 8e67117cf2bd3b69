import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { TextBudgetFull } from "../../app/domain/failures.js";
import { toApiError } from "../../app/http/server/error-handler.js";
import type { IdentifiedEnv } from "../../app/http/server/app-env.js";
import { createTextBudget } from "../../app/http/server/text-budget.js";
import { gate } from "../support/gate.js";

const TENANT_A = "11111111-1111-4111-8111-111111111111";
const TENANT_B = "22222222-2222-4222-8222-222222222222";

/**
 * What the budget reads of a request: its tenant, its log, and its socket's response when there is one.
 */
function fakeContext(outgoing?: ServerResponse, tenantId = TENANT_A) {
  const logged: string[] = [];
  const c = {
    env: { outgoing },
    var: { context: { tenantId }, log: { info: (_fields: unknown, message: string) => void logged.push(message) } },
  };
  return { c: c as unknown as Context<IdentifiedEnv>, logged };
}

/** A response whose connection has not closed yet: `close()` is its answer leaving. */
function openResponse() {
  const response = Object.assign(new EventEmitter(), { destroyed: false, closed: false });
  return { outgoing: response as unknown as ServerResponse, close: () => response.emit("close") };
}

/** The budget counts in units of 64 KiB: the tests speak in them. */
const UNIT = 64 * 1024;

/**
 * A request (tenant A's) takes `first`, another of the same tenant queues for `queued`, then the first takes
 * `kept`, less than it holds; then its answer leaves. What ran while it held its room, and after.
 */
async function smallerTakeBehindQueued(
  budget: ReturnType<typeof createTextBudget>,
  { first, queued, kept }: { first: number; queued: number; kept: number },
) {
  const mine = openResponse();
  const order: string[] = [];
  let waiting: Promise<void> | undefined;
  await budget.lend(fakeContext(mine.outgoing).c, async (take) => {
    await take(first);
    waiting = budget.hold(fakeContext().c, queued, () => Promise.resolve(void order.push("queued ran")));
    await take(kept);
    order.push("kept");
  });
  const whileHeld = [...order];
  const freeWhileHeld = budget.free;
  mine.close();
  await waiting;
  return { whileHeld, freeWhileHeld, afterwards: order };
}

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
    // The domain's refusal, which the edge answers as 503 too_busy with Retry-After.
    expect(refused).toBeInstanceOf(TextBudgetFull);
    expect(toApiError(refused)).toMatchObject({ code: "too_busy", status: 503 });
    expect(toApiError(refused).extensions.retry_after_s).toBeGreaterThan(0);
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

describe("room lent to a request as it finds it needs it", () => {
  it("holds no room until the work takes some, then holds it until the answer has left", async () => {
    const budget = createTextBudget(100 * UNIT);
    const { outgoing, close } = openResponse();
    const seen: number[] = [];
    await budget.lend(fakeContext(outgoing).c, async (take) => {
      seen.push(budget.free);
      await take(30 * UNIT);
      seen.push(budget.free);
    });
    expect(seen).toEqual([100 * UNIT, 70 * UNIT]);
    expect(budget.free).toBe(70 * UNIT);
    close();
    expect(budget.free).toBe(100 * UNIT);
  });

  it("holds nothing for a request whose work takes none", async () => {
    const budget = createTextBudget(100 * UNIT);
    const { outgoing } = openResponse();
    await budget.lend(fakeContext(outgoing).c, () => Promise.resolve("answer"));
    expect(budget.free).toBe(100 * UNIT);
  });

  it("gives back at once what a failed request took", async () => {
    const budget = createTextBudget(100 * UNIT);
    const { outgoing } = openResponse();
    const failed = budget.lend(fakeContext(outgoing).c, async (take) => {
      await take(60 * UNIT);
      throw new Error("provider gone");
    });
    await expect(failed).rejects.toThrow("provider gone");
    expect(budget.free).toBe(100 * UNIT);
  });

  it("holds room for one text at a time, and never waits for more while holding some", async () => {
    const budget = createTextBudget(100 * UNIT);
    const other = openResponse();
    await budget.hold(fakeContext(other.outgoing).c, 60 * UNIT, () => Promise.resolve());
    const mine = openResponse();
    const lent = budget.lend(fakeContext(mine.outgoing).c, async (take) => {
      await take(40 * UNIT);
      expect(budget.free).toBe(0);
      // A transcription dropped for another: the second answer's room is waited for holding nothing.
      await take(50 * UNIT);
    });
    await expect.poll(() => budget.free).toBe(40 * UNIT);
    other.close();
    await lent;
    expect(budget.free).toBe(50 * UNIT);
    mine.close();
    expect(budget.free).toBe(100 * UNIT);
  });

  it("keeps what a smaller take asks for without waiting, even behind a request queued for more", async () => {
    const budget = createTextBudget(100 * UNIT);
    // An answer whose room was asked ahead of its bytes, kept to the bytes that came: the rest goes back.
    const taken = await smallerTakeBehindQueued(budget, { first: 80 * UNIT, queued: 90 * UNIT, kept: 30 * UNIT });
    expect(taken.whileHeld).toEqual(["kept"]);
    expect(taken.freeWhileHeld).toBe(70 * UNIT);
    expect(taken.afterwards).toEqual(["kept", "queued ran"]);
    expect(budget.free).toBe(100 * UNIT);
  });

  it("gives back room that comes after its request is over, and tells the late taker", async () => {
    const budget = createTextBudget(100 * UNIT);
    const holder = openResponse();
    await budget.hold(fakeContext(holder.outgoing).c, 100 * UNIT, () => Promise.resolve());
    let late: Promise<void> | undefined;
    // The request ends (its upload failed) while its live transcription still waits for room.
    await expect(
      budget.lend(fakeContext(openResponse().outgoing).c, (take) => {
        late = take(40 * UNIT);
        late.catch(() => undefined);
        return Promise.reject(new Error("upload cut off"));
      }),
    ).rejects.toThrow("upload cut off");
    holder.close();
    await expect(late).rejects.toThrow(/over before its room/);
    expect(budget.free).toBe(100 * UNIT);
  });
});

describe("a tenant's share of the text budget", () => {
  it("keeps one tenant's files past its share in its own queue, so another tenant's file goes first", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.25 });
    const first = gate();
    const order: string[] = [];
    const files = [1, 2, 3, 4].map((n) =>
      budget.hold(fakeContext().c, 25 * UNIT, async () => {
        order.push(`A${n}`);
        if (n === 1) await first.opened;
      }),
    );
    await expect.poll(() => order).toEqual(["A1"]);
    const other = fakeContext(undefined, TENANT_B);
    await budget.hold(other.c, 25 * UNIT, () => Promise.resolve(void order.push("B")));
    expect(order).toEqual(["A1", "B"]);
    expect(other.logged).toEqual([]);
    first.open();
    await Promise.all(files);
    expect(order).toEqual(["A1", "B", "A2", "A3", "A4"]);
    expect(budget.free).toBe(100 * UNIT);
    expect(budget.tenants).toBe(0);
  });

  it("says in the log that a request waits for its tenant's share", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.25 });
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 20 * UNIT, () => Promise.resolve());
    const waiting = fakeContext();
    const second = budget.hold(waiting.c, 10 * UNIT, () => Promise.resolve("ran"));
    expect(waiting.logged).toEqual(["waiting for room in the tenant's share of the text budget"]);
    close();
    expect(await second).toBe("ran");
  });

  it("runs a tenant's file larger than its share alone in that share, beside other tenants' files", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.25 });
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 60 * UNIT, () => Promise.resolve());
    expect(budget.free).toBe(40 * UNIT);
    await budget.hold(fakeContext(undefined, TENANT_B).c, 30 * UNIT, () => Promise.resolve());
    const mine = budget.hold(fakeContext().c, UNIT, () => Promise.resolve("after the large one"));
    close();
    expect(await mine).toBe("after the large one");
    expect(budget.free).toBe(100 * UNIT);
  });

  it("keeps a smaller take within the tenant's share without waiting, giving the rest back to the share", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.25 });
    const taken = await smallerTakeBehindQueued(budget, { first: 25 * UNIT, queued: 20 * UNIT, kept: 10 * UNIT });
    expect(taken.whileHeld).toEqual(["kept"]);
    expect(taken.freeWhileHeld).toBe(90 * UNIT);
    expect(taken.afterwards).toEqual(["kept", "queued ran"]);
    expect(budget.free).toBe(100 * UNIT);
    expect(budget.tenants).toBe(0);
  });

  it("answers 429 tenant_too_busy when the wait in the tenant's own queue runs out, and keeps nothing of it", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.25, waitMs: 50 });
    const { outgoing, close } = openResponse();
    await budget.hold(fakeContext(outgoing).c, 25 * UNIT, () => Promise.resolve());
    const waiting = fakeContext();
    const refused = await budget.hold(waiting.c, UNIT, () => Promise.resolve()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TextBudgetFull);
    expect(toApiError(refused)).toMatchObject({ code: "tenant_too_busy", status: 429 });
    expect(toApiError(refused).extensions.retry_after_s).toBeGreaterThan(0);
    expect(budget.free).toBe(75 * UNIT);
    close();
    await expect.poll(() => budget.free).toBe(100 * UNIT);
    expect(budget.tenants).toBe(0);
  });

  it("answers 503 too_busy when its share had room but the instance's wait ran out", async () => {
    const budget = createTextBudget(100 * UNIT, { tenantShare: 0.5, waitMs: 50 });
    const others = [TENANT_B, "33333333-3333-4333-8333-333333333333"].map(() => openResponse());
    await budget.hold(fakeContext(others[0]!.outgoing, TENANT_B).c, 50 * UNIT, () => Promise.resolve());
    await budget.hold(fakeContext(others[1]!.outgoing, "33333333-3333-4333-8333-333333333333").c, 50 * UNIT, () =>
      Promise.resolve(),
    );
    const refused = await budget.hold(fakeContext().c, UNIT, () => Promise.resolve()).catch((error: unknown) => error);
    expect(toApiError(refused)).toMatchObject({ code: "too_busy", status: 503 });
    for (const other of others) other.close();
    await expect.poll(() => budget.free).toBe(100 * UNIT);
    expect(budget.tenants).toBe(0);
  });
});
