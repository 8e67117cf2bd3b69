import { DelegateBackoff, handleWhen, retry } from "cockatiel";
import type { Logger } from "../logger.js";

export interface RetryVerdict {
  retryable: boolean;
  /** The provider's `Retry-After`, when it gave one. */
  retryAfterMs?: number | undefined;
  /** What to log about the failure: a status or an error name, never a response body. */
  reason: string;
}

export interface ProviderRetryOptions {
  attempts: number;
  /** The backoff cap of the first retry; it doubles each retry up to `maxDelayMs`. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` we are willing to wait before giving up on the request. */
  maxRetryAfterMs: number;
}

export const DEFAULT_PROVIDER_RETRY: ProviderRetryOptions = {
  attempts: 3,
  minDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

export class RetriesExhausted extends Error {
  override readonly name = "RetriesExhausted";
  constructor(
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`Gave up after ${attempts} attempt(s)`, options);
  }
}

/**
 * Runs `attempt` (which must reopen whatever it sends) up to `attempts` times, retrying what `classify`
 * calls retryable. Each wait is full-jitter exponential backoff, but never shorter than the provider's
 * `Retry-After`. The last error comes back wrapped in `RetriesExhausted`, with the number of attempts made.
 */
export async function withProviderRetry<T>(
  attempt: () => Promise<T>,
  classify: (error: unknown) => RetryVerdict,
  options: ProviderRetryOptions & { log: Logger; provider: string; signal?: AbortSignal | undefined },
): Promise<T> {
  const policy = retry(
    handleWhen((error) => {
      const verdict = classify(error);
      return verdict.retryable && (verdict.retryAfterMs ?? 0) <= options.maxRetryAfterMs;
    }),
    {
      maxAttempts: options.attempts - 1,
      backoff: new DelegateBackoff(({ attempt: retryNumber, result }) => {
        const exponential = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** (retryNumber - 1));
        const retryAfter = "error" in result ? (classify(result.error).retryAfterMs ?? 0) : 0;
        return Math.max(retryAfter, Math.random() * exponential);
      }),
    },
  );
  let attempts = 0;
  try {
    return await policy.execute(async () => {
      attempts += 1;
      try {
        return await attempt();
      } catch (error) {
        const verdict = classify(error);
        options.log.warn(
          { provider: options.provider, attempt: attempts, retryable: verdict.retryable, reason: verdict.reason, cause: causeOf(error) },
          "transcription attempt failed",
        );
        throw error;
      }
    }, options.signal);
  } catch (error) {
    throw new RetriesExhausted(attempts, { cause: error });
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The innermost cause's code or name (e.g. `ECONNRESET`), never a message: provider messages can quote a
 * response body, and so a transcript.
 */
function causeOf(error: unknown): string | undefined {
  let current: unknown = error;
  let found: string | undefined;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    found = typeof code === "string" ? code : current.name;
    current = current.cause;
  }
  return found;
}
