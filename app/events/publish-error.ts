import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { BrokenCircuitError, IsolatedCircuitError, TaskCancelledError } from "cockatiel";

/** How a PutEvents failure is read: its code, whether to try again, and whether it says the bus is down. */

/** Entry error codes that can succeed later; any other code fails at once. */
export const RETRYABLE_ENTRY_CODES = new Set(["ThrottlingException", "InternalFailure", "InternalException"]);
const RETRYABLE_ERROR_NAMES = new Set([
  "ThrottlingException",
  "InternalException",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
/** Node network error codes worth another try. */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/** EventBridge's own measure of an entry (AWS docs, "Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, "utf8"));
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + utf8(resource), 0)
  );
}

/** A failure with the code the outcome reports, and whether trying again can help. */
export class PublishError extends Error {
  override readonly name = "PublishError";
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown; outage?: boolean },
  ) {
    super(message, options);
    this.outage = (options?.outage ?? true) && code !== "ThrottlingException";
  }

  /**
   * Whether this failure says the bus cannot be reached or used, which is what opens the breaker. Not so for
   * throttling, for entries PutEvents answered as failed (the bus is up), or for a send cut by its own budget.
   */
  readonly outage: boolean;
}

/** Maps anything `send` can throw to a code and a verdict. */
export function classifyError(error: unknown): PublishError {
  if (error instanceof PublishError) return error;
  if (error instanceof TaskCancelledError)
    return new PublishError("AttemptTimeout", true, "PutEvents attempt timed out", { cause: error });
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new PublishError("CircuitOpen", false, "the bus kept failing; not calling it until the breaker half-opens", {
      cause: error,
    });
  }
  const details = (error ?? {}) as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    message?: string;
  };
  const name = details.name ?? "UnknownError";
  const status = details.$metadata?.httpStatusCode;
  const retryable =
    RETRYABLE_ERROR_NAMES.has(name) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    (details.code !== undefined && RETRYABLE_NETWORK_CODES.has(details.code)) ||
    (status === undefined && name === "Error" && /socket|network|ECONN|EPIPE/i.test(details.message ?? ""));
  return new PublishError(
    details.code && RETRYABLE_NETWORK_CODES.has(details.code) ? details.code : name,
    retryable,
    details.message ?? name,
    {
      cause: error,
    },
  );
}

/** Network failures say the bus is unreachable: when the budget runs out on one, it is the better answer. */
export function budgetFailure(budgetMs: number, last: PublishError | undefined): PublishError {
  if (last !== undefined && RETRYABLE_NETWORK_CODES.has(last.code))
    return new PublishError(last.code, false, last.message, { cause: last });
  return new PublishError("PublishBudgetExceeded", false, `gave up after ${budgetMs} ms`, { cause: last });
}
