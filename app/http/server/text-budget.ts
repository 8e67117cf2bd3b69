import { Semaphore, withTimeout, type SemaphoreInterface } from "async-mutex";
import type { Context } from "hono";
import { TextBudgetFull } from "../../domain/failures.js";
import type { IdentifiedEnv } from "./app-env.js";
import type { TextRoom } from "../../transcription/transcriber.js";
import { releaseWhenDelivered } from "./answer-delivery.js";

/**
 * The semaphores count in units of at least 64 KiB, at most 4,096 of them: a release walks every unit of
 * free room (async-mutex's waiters are kept by weight), so counting single bytes cost a second a request.
 */
const MIN_UNIT_BYTES = 64 * 1024;
const MAX_UNITS = 4096;

/** How long a request waits for its turn before it is told the instance is busy. */
const WAIT_MS = 60_000;
const RETRY_AFTER_S = 10;

/** Units held of a semaphore, given back in part (`keep` fewer) or whole (`keep(0)`), each unit once. */
function heldUnits(room: SemaphoreInterface, units: number) {
  let held = units;
  return {
    get units() {
      return held;
    },
    keep(units: number) {
      const back = held - Math.max(0, units);
      if (back <= 0) return;
      held -= back;
      room.release(back);
    },
  };
}

/** Room taken from a semaphore within `ms`, or a rejection once that has passed (the room is then not taken). */
const acquire = (room: SemaphoreInterface, weight: number, ms: number) =>
  withTimeout(room, Math.max(1, ms))
    .acquire(weight)
    .then(() => heldUnits(room, weight));

/** Room a request holds: all of it given back by `release`, or all but `units` by `keep`. */
interface Holding {
  readonly units: number;
  keep(units: number): void;
  release(): void;
}

/**
 * Text held in memory at once on this instance, by size. A captions file, a provider's long answer, or a
 * transcript sent back for subtitles, is read and parsed whole and its answer held until sent: several times
 * its size, for every such request at once. Past the budget a request waits its turn (at most a minute, then
 * 503 `too_busy`), so many large files at once cannot take the process past its memory; one larger than the
 * budget runs alone.
 *
 * Each tenant holds at most `tenantShare` of the budget (the share of the instance its requests have): the
 * rest of its files wait in a queue of its own (at most the same minute, then 429 `tenant_too_busy`), so one
 * tenant's many large files never stand in front of another tenant's file in the instance's queue.
 */
export function createTextBudget(
  capacityBytes: number,
  { waitMs = WAIT_MS, tenantShare = 1 }: { waitMs?: number; tenantShare?: number } = {},
) {
  const unitBytes = Math.max(MIN_UNIT_BYTES, Math.ceil(capacityBytes / MAX_UNITS));
  const capacity = Math.max(1, Math.floor(capacityBytes / unitBytes));
  const share = Number.isFinite(tenantShare) && tenantShare > 0 ? Math.min(1, tenantShare) : 1;
  const tenantCapacity = Math.max(1, Math.floor(capacity * share));
  const room = new Semaphore(capacity);
  /** Each tenant's own room, while one of its requests holds or waits for some. */
  const tenants = new Map<string, { room: Semaphore; requests: number }>();

  function tenantRoom(tenantId: string) {
    const entry = tenants.get(tenantId) ?? { room: new Semaphore(tenantCapacity), requests: 0 };
    tenants.set(tenantId, entry);
    entry.requests += 1;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      entry.requests -= 1;
      if (entry.requests === 0) tenants.delete(tenantId);
    };
    return { room: entry.room, leave };
  }

  /** Room for `weight` units: the tenant's first (when it has a share), then the instance's, within one wait. */
  async function take(c: Context<IdentifiedEnv>, bytes: number, weight: number): Promise<Holding> {
    const tenant = tenantCapacity < capacity ? tenantRoom(c.var.context.tenantId) : undefined;
    const deadline = Date.now() + waitMs;
    let share: ReturnType<typeof heldUnits> | undefined;
    try {
      if (tenant) {
        const tenantWeight = Math.min(weight, tenantCapacity);
        if (tenant.room.getValue() < tenantWeight)
          c.var.log.info(
            { bytes, tenant_free: tenant.room.getValue() * unitBytes },
            "waiting for room in the tenant's share of the text budget",
          );
        share = await acquire(tenant.room, tenantWeight, waitMs);
      }
      if (room.getValue() < weight)
        c.var.log.info({ bytes, budget_free: room.getValue() * unitBytes }, "waiting for room in the text budget");
      const instance = await acquire(room, weight, deadline - Date.now());
      const held = share;
      const keep = (units: number) => {
        instance.keep(units);
        held?.keep(Math.min(units, tenantCapacity));
      };
      return {
        get units() {
          return instance.units;
        },
        keep,
        release() {
          keep(0);
          tenant?.leave();
        },
      };
    } catch {
      share?.keep(0);
      tenant?.leave();
      // The wait ran out in the tenant's own queue (its share is what is full) or in the instance's.
      throw new TextBudgetFull(tenant && share === undefined ? "tenant" : "instance", RETRY_AFTER_S);
    }
  }

  /**
   * Runs `work` with a `take` that holds room for the text it is about to hold (a captions file, or a
   * provider's answer as it arrives), and gives it back once the request's answer has left (its connection
   * closed), or at once when `work` throws. A request holds room for one text at a time: taking room for no
   * more than it holds keeps that much and gives the rest back at once; taking more gives back what it held
   * first (the text it was for is done with, or outgrew it), so no request ever waits for room while holding
   * some, and no two can wait on each other. Room that comes after the request is over is given back at
   * once, and its `take` rejects.
   */
  async function lend<T>(c: Context<IdentifiedEnv>, work: (take: TextRoom) => Promise<T>): Promise<T> {
    let held: Holding | undefined;
    let over = false;
    const letGo = () => {
      held?.release();
      held = undefined;
    };
    const takeRoom: TextRoom = async (bytes) => {
      const weight = Math.max(1, Math.min(capacity, Math.ceil(bytes / unitBytes)));
      if (held !== undefined && weight <= held.units) return held.keep(weight);
      letGo();
      const holding = await take(c, bytes, weight);
      if (over) {
        holding.release();
        throw new Error("The request was over before its room in the text budget came.");
      }
      letGo();
      held = holding;
    };
    const giveBack = () => {
      over = true;
      letGo();
    };
    let result: T;
    try {
      result = await work(takeRoom);
    } catch (error) {
      giveBack();
      throw error;
    }
    releaseWhenDelivered(c.env?.outgoing, giveBack);
    return result;
  }

  return {
    /** Bytes of the budget free now (for tests), in whole units. */
    get free() {
      return room.getValue() * unitBytes;
    },
    /** Tenants holding or waiting for room now (for tests: none is kept once its requests are done). */
    get tenants() {
      return tenants.size;
    },
    lend,
    /** Runs `work` holding room for `bytes`, given back as `lend` gives it back. */
    hold<T>(c: Context<IdentifiedEnv>, bytes: number, work: () => Promise<T>): Promise<T> {
      return lend(c, async (takeRoom) => {
        await takeRoom(bytes);
        return work();
      });
    },
  };
}

export type TextBudget = ReturnType<typeof createTextBudget>;
