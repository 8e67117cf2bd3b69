import { defaultsOf } from "../env/env-values.js";
import { eventSettings } from "./event-settings.js";
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from "cockatiel";
import { fullJitterDelay, type BackoffRule } from "../resilience/backoff.js";

import { budgetFailure, classifyError, PublishError, RETRYABLE_ENTRY_CODES } from "./publish-error.js";

export interface PutEventsSenderOptions {
  /** Built with `maxAttempts: 1`: this sender is the one retry layer. */
  client: EventBridgeClient;
  /** Total time one send may take, retries and waits included. */
  budgetMs: number;
  attemptTimeoutMs: number;
  backoff?: BackoffRule;
  /**
   * After `failures` consecutive calls fail for an outage (not throttling, not per-entry errors) the breaker
   * opens: sends fail at once with the outage's code. After `halfOpenMs` one call probes; success closes it.
   */
  breaker?: { failures: number; halfOpenMs: number };
  /** The jitter's randomness, in [0, 1); injected by tests. */
  random?: () => number;
}

export interface SendResult {
  /** One result per entry, in order: an `EventId`, or the `ErrorCode` it last failed with. */
  results: PutEventsResultEntry[];
  attempts: number;
  /** Why sending stopped with entries still failed or unsent. */
  failure?: PublishError;
}

export interface PutEventsSender {
  (entries: PutEventsRequestEntry[]): Promise<SendResult>;
  /** Whether the breaker lets calls through (`closed`, `half-open`) or fails them at once (`open`). */
  readonly circuit: "closed" | "open" | "half-open";
}

/** The breaker of the service's defaults (`EVENT_BREAKER_*`), for a sender built without one. */
const EVENT_DEFAULTS = defaultsOf(eventSettings);
const DEFAULT_BREAKER = { failures: EVENT_DEFAULTS.breakerFailures, halfOpenMs: EVENT_DEFAULTS.breakerHalfOpenMs };

/**
 * A timeout that aborts its signal when it runs out, not also when the call returns: once returned, the call
 * has nothing left to stop, and each abort builds a `DOMException` with its stack, twice per publish.
 */
const RUN_OUT_ONLY = { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false };

/**
 * Sends entries to EventBridge with one retry layer (the SDK's own is off): exponential backoff with full
 * jitter, a timeout per attempt, and a total budget that also cuts the waits short. PutEvents answers 200
 * even when entries fail, so each entry's `ErrorCode` is read and only the retryable failures are sent again.
 */
export function createPutEventsSender(options: PutEventsSenderOptions): PutEventsSender {
  const backoff = options.backoff ?? { initialDelayMs: 100, maxDelayMs: 2_000 };
  const breakerOptions = options.breaker ?? DEFAULT_BREAKER;
  // The failure that opened the breaker: what a fast-failed send reports as its cause.
  let outage: PublishError | undefined;
  const breaker = circuitBreaker(
    handleWhen((error) => classifyError(error).outage),
    { halfOpenAfter: breakerOptions.halfOpenMs, breaker: new ConsecutiveBreaker(breakerOptions.failures) },
  );
  breaker.onBreak((reason) => {
    if ("error" in reason) outage = classifyError(reason.error);
  });
  const policy = wrap(
    timeout(options.budgetMs, RUN_OUT_ONLY),
    retry(
      handleWhen((error) => classifyError(error).retryable),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new DelegateBackoff(({ attempt }) =>
          fullJitterDelay(backoff, attempt, options.random ? { random: options.random } : {}),
        ),
      },
    ),
  );
  const attemptTimeout = timeout(options.attemptTimeoutMs, RUN_OUT_ONLY);

  async function send(entries: PutEventsRequestEntry[]): Promise<SendResult> {
    const pending = new Map(entries.map((entry, index) => [index, entry]));
    const results: PutEventsResultEntry[] = entries.map(() => ({ ErrorCode: "NotSent" }));
    let attempts = 0;
    let lastFailure: PublishError | undefined;

    async function attempt(signal: AbortSignal): Promise<void> {
      // The budget may have run out during a backoff wait: send nothing more then.
      signal.throwIfAborted();
      attempts += 1;
      const indexes = [...pending.keys()];
      try {
        const response = await options.client.send(
          new PutEventsCommand({ Entries: indexes.map((i) => pending.get(i)!) }),
          {
            abortSignal: signal,
          },
        );
        (response.Entries ?? []).forEach((result, position) => {
          const index = indexes[position]!;
          results[index] = result;
          if (result.ErrorCode === undefined || !RETRYABLE_ENTRY_CODES.has(result.ErrorCode)) pending.delete(index);
        });
      } catch (error) {
        lastFailure = classifyError(error);
        throw error;
      }
      if (pending.size > 0) {
        const code = results[[...pending.keys()][0]!]?.ErrorCode ?? "InternalFailure";
        lastFailure = new PublishError(code, true, `${pending.size} of ${indexes.length} entries failed with ${code}`, {
          outage: false,
        });
        throw lastFailure;
      }
    }

    try {
      await policy.execute(({ signal: budget }) =>
        breaker.execute(async ({ signal }) => {
          try {
            await attemptTimeout.execute(({ signal: attemptSignal }) => attempt(attemptSignal), signal);
          } catch (error) {
            // Cut short because this send's budget ran out: says nothing about the bus.
            if (budget.aborted)
              throw new PublishError("PublishBudgetExceeded", false, "budget spent", { cause: error, outage: false });
            throw error;
          }
        }, budget),
      );
      return { results, attempts };
    } catch (error) {
      // Retries stop early only for a non-retryable failure; a cancellation that escapes is the budget.
      if (error instanceof TaskCancelledError)
        return { results, attempts, failure: budgetFailure(options.budgetMs, lastFailure) };
      const failure = classifyError(error);
      if (failure.code === "CircuitOpen" && outage !== undefined) {
        return {
          results,
          attempts,
          failure: new PublishError(outage.code, false, `circuit open after ${outage.message}`, { cause: failure }),
        };
      }
      return { results, attempts, failure };
    }
  }

  return Object.defineProperty(send, "circuit", {
    get: () =>
      breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated
        ? "open"
        : breaker.state === CircuitState.HalfOpen
          ? "half-open"
          : "closed",
  }) as PutEventsSender;
}
