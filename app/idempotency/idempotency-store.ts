import { LRUCache } from "lru-cache";

/** An answer as it was given, to be given again on a replay. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyRecord =
  | { state: "in_progress"; fingerprint: string }
  | { state: "completed"; fingerprint: string; response: RecordedResponse };

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
}

/** In this process only, bounded in entries and bytes: enough for one instance, not for several. */
export function createMemoryIdempotencyStore({
  ttlS,
  maxEntries = 10_000,
  maxBytes = 64 * 1024 * 1024,
  now = Date.now,
}: {
  ttlS: number;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
}): IdempotencyStore {
  const entries = new LRUCache<string, MemoryEntry>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (entry) => 256 + (entry.record.state === "completed" ? entry.record.response.body.length : 0),
    ttl: ttlS * 1000,
  });
  const id = (scope: string, key: string) => `${scope}\n${key}`;
  return {
    durable: false,
    begin(scope, key, fingerprint, leaseS) {
      const existing = entries.get(id(scope, key));
      if (existing !== undefined && !(existing.record.state === "in_progress" && existing.leaseUntil < now())) {
        return Promise.resolve({ claimed: false, record: existing.record });
      }
      entries.set(id(scope, key), { record: { state: "in_progress", fingerprint }, leaseUntil: now() + leaseS * 1000 });
      return Promise.resolve({ claimed: true });
    },
    complete(scope, key, fingerprint, response) {
      const existing = entries.get(id(scope, key));
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint) {
        entries.set(id(scope, key), { record: { state: "completed", fingerprint, response }, leaseUntil: 0 });
      }
      return Promise.resolve();
    },
    release(scope, key, fingerprint) {
      const existing = entries.get(id(scope, key));
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint)
        entries.delete(id(scope, key));
      return Promise.resolve();
    },
    renew(scope, key, fingerprint, leaseS) {
      const existing = entries.get(id(scope, key));
      if (existing?.record.state === "in_progress" && existing.record.fingerprint === fingerprint)
        existing.leaseUntil = now() + leaseS * 1000;
      return Promise.resolve();
    },
    forget(scope, key) {
      entries.delete(id(scope, key));
      return Promise.resolve();
    },
  };
}
