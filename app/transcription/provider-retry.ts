import { anySignal } from "any-signal";
import { ProviderFailure, TooLarge } from "../domain/failures.js";
import type { TranscriptionProvider } from "../domain/names.js";
import { DelegateBackoff, handleWhen, retry } from "cockatiel";
import type { Logger } from "../logger.js";
import { LiveAudioCutOff } from "./attempt-bodies.js";
import { fullJitterDelay, type BackoffRule } from "../resilience/backoff.js";

export interface RetryVerdict {
  retryable: boolean;
  /** The provider's `Retry-After`, when it gave one. */
  retryAfterMs?: number | undefined;
  /** What to log about the failure: a status or an error name, never a response body. */
  reason: string;
}

export interface ProviderRetryOptions extends BackoffRule {
  attempts: number;
  /** Longest `Retry-After` we are willing to wait before giving up on the request. */
  maxRetryAfterMs: number;
}

export const DEFAULT_PROVIDER_RETRY: ProviderRetryOptions = {
  attempts: 3,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
};

/**
 * The last attempt's error (its `cause`) and how many attempts were made: one for a failure not worth
 * retrying (a 401), more when retries ran out.
 */
export class LastAttemptFailed extends Error {
  override readonly name = "LastAttemptFailed";
  constructor(
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`The last of ${attempts} attempt(s) failed`, options);
  }
}

/** One attempt outlived the provider's timeout (`*_TIMEOUT_S`): reported as a timeout, not retried. */
export class AttemptTimedOut extends Error {
  override readonly name = "AttemptTimedOut";
}

/**
 * An attempt refused room in the text budget for its answer: the refusal (the budget's, e.g. `TextBudgetFull`)
 * ends the transcription as it is, with no other attempt, and is not the provider's failure.
 */
export class AnswerRoomRefused extends Error {
  override readonly name = "AnswerRoomRefused";
  constructor(readonly refusal: Error) {
    super("No room to hold the provider's answer.", { cause: refusal });
  }
}

/**
 * Runs `waiting` with the attempt's timeout stopped: for a wait on the service itself (room to hold the
 * answer), which is not the provider being slow.
 */
export type AttemptPause = <T>(waiting: Promise<T>) => Promise<T>;

/**
 * Runs one attempt under its own timeout, joined with the caller's signal. Each adapter times its attempts
 * itself: the SDKs' own timeouts surface as errors that cannot be told from other failures. The timeout
 * starts once `startsWhen` settles: an attempt reading bytes still being uploaded is not timed by the upload.
 * It stands still while the attempt waits through `pause`.
 */
export async function timedAttempt<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  run: (signal: AbortSignal, pause: AttemptPause) => Promise<T>,
  startsWhen: Promise<unknown> = Promise.resolve(),
): Promise<T> {
  const timeout = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  let started = false;
  let waits = 0;
  let leftMs = timeoutMs;
  let armedAt = 0;
  const arm = () => {
    if (done || !started || waits > 0 || timer !== undefined) return;
    armedAt = performance.now();
    timer = setTimeout(() => timeout.abort(), Math.max(0, leftMs));
  };
  const disarm = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    leftMs -= performance.now() - armedAt;
  };
  const start = () => {
    started = true;
    arm();
  };
  startsWhen.then(start, start);
  const pause: AttemptPause = (waiting) => {
    waits += 1;
    disarm();
    return waiting.finally(() => {
      waits -= 1;
      arm();
    });
  };
  // A plain signal, its listeners on ours removed once the attempt is over: the SDKs leave theirs on the
  // signal they are given, and Node holds an `AbortSignal.any` that has a listener until it aborts.
  const attemptSignal = anySignal([signal, timeout.signal]);
  try {
    return await run(attemptSignal, pause);
  } catch (error) {
    if (timeout.signal.aborted) throw new AttemptTimedOut("The provider did not answer in time.", { cause: error });
    throw error;
  } finally {
    done = true;
    clearTimeout(timer);
    attemptSignal.clear();
  }
}

/**
 * Runs `attempt` (which must reopen whatever it sends) up to `attempts` times, retrying what `classify`
 * calls retryable, and a live attempt that was cut off. Each wait is full-jitter exponential backoff, but never shorter than the provider's
 * `Retry-After`. The last error comes back wrapped in `LastAttemptFailed`, with the number of attempts made.
 */
export async function withProviderRetry<T>(
  attempt: () => Promise<T>,
  classify: (error: unknown) => RetryVerdict,
  options: ProviderRetryOptions & {
    log: Logger;
    provider: string;
    signal?: AbortSignal | undefined;
    random?: () => number;
  },
): Promise<T> {
  const judge = (error: unknown): RetryVerdict =>
    error instanceof LiveAudioCutOff ? { retryable: true, reason: "live upload cut off" } : classify(error);
  const policy = retry(
    handleWhen((error) => {
      const verdict = judge(error);
      return verdict.retryable && (verdict.retryAfterMs ?? 0) <= options.maxRetryAfterMs;
    }),
    {
      maxAttempts: options.attempts - 1,
      backoff: new DelegateBackoff(({ attempt: retryNumber, result }) => {
        const floorMs = "error" in result ? (judge(result.error).retryAfterMs ?? 0) : 0;
        const waitMs = fullJitterDelay(options, retryNumber, {
          floorMs,
          ...(options.random && { random: options.random }),
        });
        options.log.info(
          { provider: options.provider, retry: retryNumber, wait_ms: Math.round(waitMs) },
          "transcription retry scheduled",
        );
        return waitMs;
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
        const verdict = judge(error);
        options.log.warn(
          {
            provider: options.provider,
            attempt: attempts,
            retryable: verdict.retryable,
            reason: verdict.reason,
            cause: causeOf(error),
          },
          "transcription attempt failed",
        );
        throw error;
      }
    }, options.signal);
  } catch (error) {
    throw new LastAttemptFailed(attempts, { cause: error });
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

/** How a provider's failures are told: its name in messages, and the HTTP status an error of its SDK carries. */
export interface FailureTelling {
  provider: TranscriptionProvider;
  /** Who did not answer, as a message's subject ("Deepgram", "The transcription server"). */
  subject: string;
  statusOf(cause: unknown): number | undefined;
}

/**
 * The one reading of a provider call that failed for good: a timeout, or a failure with its status and
 * attempts. An answer too long to read is the recording's failure, and no room to hold it the instance's,
 * not the provider's: they go on as they are.
 */
export function toProviderFailure(error: unknown, telling: FailureTelling): Error {
  const attempts = error instanceof LastAttemptFailed ? error.attempts : undefined;
  const cause = error instanceof LastAttemptFailed ? error.cause : error;
  if (cause instanceof TooLarge) return cause;
  if (cause instanceof AnswerRoomRefused) return cause.refusal;
  const { provider, subject } = telling;
  if (cause instanceof AttemptTimedOut) {
    return new ProviderFailure("timeout", provider, `${subject} did not answer in time.`, { attempts }, { cause });
  }
  const status = telling.statusOf(cause);
  const detail =
    status === undefined ? "could not be reached" : status < 300 ? "sent an unreadable response" : `answered ${status}`;
  return new ProviderFailure("failed", provider, `${subject} ${detail}.`, { status, attempts }, { cause });
}
