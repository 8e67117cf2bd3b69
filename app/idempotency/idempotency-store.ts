import { LRUCache } from "lru-cache";
import type { OpenedObject } from "../storage/object-store.js";

/** An answer as it was given, to be given again on a replay. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A recorded answer to give again: its body held with the record, or kept in the bucket and streamed from
 * there as it is sent (`undefined` once the bucket's retention removed it).
 */
export interface ReplayableResponse extends Omit<RecordedResponse, "body"> {
  body: string | { open: () => Promise<OpenedObject | undefined> };
}

export type IdempotencyRecord =
  | { state: "in_progress"; fingerprint: string }
  | { state: "completed"; fingerprint: string; response: ReplayableResponse }
  /** Completed, but its answer was too large to keep here: only that it happened, and its status, are. */
  | { state: "withheld"; fingerprint: string; status: number; bytes: number };

export type BeginResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/**
 * Records of `Idempotency-Key`s, each scoped to a tenant. `begin` claims a key for a request's fingerprint
 * (or says what holds it); `complete` stores the final answer; `release` forgets a claim whose request did
 * not end in a final answer (a 5xx, or a client gone), so a retry runs it again. A claim is a lease: one
 * that outlives `leaseS` (its instance crashed) can be claimed again.
 */
export interface IdempotencyStore {
  readonly durable: boolean;
  begin(scope: string, key: string, fingerprint: string, leaseS: number): Promise<BeginResult>;
  complete(scope: string, key: string, fingerprint: string, response: RecordedResponse): Promise<void>;
  release(scope: string, key: string, fingerprint: string): Promise<void>;
  /** Extends a claim still held with this fingerprint by `leaseS` from now, while its request runs. */
  renew(scope: string, key: string, fingerprint: string, leaseS: number): Promise<void>;
  /** Removes a key's record and its answer, whatever their state: what a deleted job leaves behind. */
  forget(scope: string, key: string): Promise<void>;
}

interface MemoryEntry {
  record: IdempotencyRecord;
  leaseUntil: number;
  bytes: number;
}

/** One tenant's share of the in-process store. */
export interface TenantBudget {
  maxEntries: number;
  maxBytes: number;
}

/**
 * In this process only: for one instance, not for several. Each tenant has its own budget of keys and bytes,
 * and evicts only its own oldest records when it is over (one tenant's large answers cannot push out
 * another's). An answer over `maxAnswerBytes`, or one that would take the whole store past `maxBytes`, is
 * kept by its fingerprint only: a retry of it is told so (`withheld`) rather than run a second time.
 */
export function createMemoryIdempotencyStore({
  ttlS,
  perTenant = { maxEntries: 1_000, maxBytes: 8 * 1024 * 1024 },
  maxTenants = 10_000,
  maxBytes = 64 * 1024 * 1024,
  maxAnswerBytes = 1024 * 1024,
  now = Date.now,
}: {
  ttlS: number;
  perTenant?: TenantBudget;
  maxTenants?: number;
  maxBytes?: number;
  maxAnswerBytes?: number;
  now?: () => number;
}): IdempotencyStore {
  let totalBytes = 0;
  const tenants = new LRUCache<string, LRUCache<string, MemoryEntry>>({
    max: maxTenants,
    ttl: ttlS * 1000,
    // A tenant's records go with it, and their bytes out of the count.
    dispose: (entries) => entries.clear(),
  });
  const tenant = (scope: string) => {
    let entries = tenants.get(scope);
    if (entries === undefined) {
      entries = new LRUCache<string, MemoryEntry>({
        max: perTenant.maxEntries,
        maxSize: perTenant.maxBytes,
        sizeCalculation: (entry) => Math.max(1, entry.bytes),
        ttl: ttlS * 1000,
        dispose: (entry) => (totalBytes -= entry.bytes),
      });
      tenants.set(scope, entries);
    }
    return entries;
  };
  const put = (scope: string, key: string, entry: MemoryEntry) => {
    tenant(scope).set(key, entry);
    totalBytes += entry.bytes;
  };
  return {
    durable: false,
    begin(scope, key, fingerprint, leaseS) {
      const existing = tenant(scope).get(key);
      if (existing !== undefined && !(existing.record.state === "in_progress" && existing.leaseUntil < now())) {
        return Promise.resolve({ claimed: false, record: existing.record });
      }
      put(scope, key, { record: { state: "in_progress", fingerprint }, leaseUntil: now() + leaseS * 1000, bytes: 256 });
      return Promise.resolve({ claimed: true });
    },
    complete(scope, key, fingerprint, response) {
      const existing = tenant(scope).get(key);
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint) {
        const bytes = 256 + response.body.length;
        const kept = bytes <= maxAnswerBytes && totalBytes - existing.bytes + bytes <= maxBytes;
        put(scope, key, {
          record: kept
            ? { state: "completed", fingerprint, response }
            : { state: "withheld", fingerprint, status: response.status, bytes: response.body.length },
          leaseUntil: 0,
          bytes: kept ? bytes : 256,
        });
      }
      return Promise.resolve();
    },
    release(scope, key, fingerprint) {
      const entries = tenant(scope);
      const existing = entries.get(key);
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint) entries.delete(key);
      return Promise.resolve();
    },
    renew(scope, key, fingerprint, leaseS) {
      const existing = tenant(scope).get(key);
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint)
        existing.leaseUntil = now() + leaseS * 1000;
      return Promise.resolve();
    },
    forget(scope, key) {
      tenant(scope).delete(key);
      return Promise.resolve();
    },
  };
}
