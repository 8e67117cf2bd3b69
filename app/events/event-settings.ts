import { integer, settings, text } from "../env/env-values.js";
import { DEFAULT_EVENT_SOURCE } from "./batch-processing-completed.js";

/** Where events go and how hard publishing tries. */
export const eventSettings = settings(
  {
    EVENTBRIDGE_BUS_NAME: text("default", { meaning: "bus the event is published on" }),
    EVENT_SOURCE: text(DEFAULT_EVENT_SOURCE, { meaning: "the event's `source`" }),
    EVENT_PUBLISH_TIMEOUT_MS: integer(
      10_000,
      { min: 100 },
      { meaning: "total publish budget, retries included, in milliseconds" },
    ),
    EVENT_ATTEMPT_TIMEOUT_MS: integer(
      3_000,
      { min: 50 },
      { meaning: "timeout of one PutEvents call, in milliseconds" },
    ),
    EVENT_MAX_ENTRY_BYTES: integer(
      1024 * 1024,
      { min: 1024 },
      { meaning: "largest entry (AWS's limit; lower it for older limits)" },
    ),
    EVENT_BREAKER_FAILURES: integer(
      5,
      { min: 1 },
      {
        meaning:
          "consecutive failed PutEvents calls (unreachable, 5xx, timeouts, denied; not throttling) that open the circuit breaker",
      },
    ),
    EVENT_BREAKER_HALF_OPEN_S: integer(
      30,
      { min: 1 },
      { meaning: "how long the breaker stays open before one call probes the bus" },
    ),
  },
  (env) => ({
    busName: env.EVENTBRIDGE_BUS_NAME,
    source: env.EVENT_SOURCE,
    publishTimeoutMs: env.EVENT_PUBLISH_TIMEOUT_MS,
    attemptTimeoutMs: env.EVENT_ATTEMPT_TIMEOUT_MS,
    maxEntryBytes: env.EVENT_MAX_ENTRY_BYTES,
    /** Consecutive failed PutEvents calls that open the circuit breaker. */
    breakerFailures: env.EVENT_BREAKER_FAILURES,
    /** How long the breaker stays open before one call probes the bus again. */
    breakerHalfOpenMs: env.EVENT_BREAKER_HALF_OPEN_S * 1000,
  }),
);
export type EventSettings = ReturnType<typeof eventSettings.read>;
