import { createHash } from "node:crypto";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { IdempotencyStore, ReplayableResponse } from "../../idempotency/idempotency-store.js";
import { textBody } from "../server/streamed-json.js";
import { jsonText } from "../../text/json-pieces.js";
import type { RequestContext } from "../../domain/request-context.js";
import type { IdentifiedEnv } from "../server/app-env.js";
import { toApiError } from "../server/error-handler.js";
import { isRetryableStatus } from "../../resilience/retryable-status.js";
import { ApiError, PROBLEM_CONTENT_TYPE, toProblem } from "../contract/problem.js";
import { StorageUnavailable } from "../../domain/failures.js";

export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface Idempotency {
  store: IdempotencyStore;
  /** How long a claim holds before another instance may take it over (the longest a request may take). */
  leaseS: number;
  onReplay?: () => void;
}

/**
 * The header as the IETF draft has it (a Structured Field string, `"…"`), or a bare token as most clients
 * send it: 1 to 255 printable ASCII characters. Anything else is a 400 before the upload is read.
 */
function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const quoted = header.length >= 2 && header.startsWith('"') && header.endsWith('"');
  const key = quoted ? header.slice(1, -1) : header.trim();
  const allowed = quoted ? /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/ : /^[\x21-\x7e]+$/;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !allowed.test(key)) {
    throw new ApiError(
      "invalid_header",
      `${IDEMPOTENCY_KEY_HEADER} must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters.`,
      {
        header: IDEMPOTENCY_KEY_HEADER,
      },
    );
  }
  return key;
}

/**
 * The request as the key's owner sent it: the endpoint, the file's sha256, who sent it, and what it asked
 * besides the file (its transcription options, the answer's format).
 */
export function fingerprintOf(
  endpoint: string,
  fileSha256: string,
  context: RequestContext,
  asked: unknown = null,
): string {
  return createHash("sha256")
    .update(JSON.stringify([endpoint, fileSha256, context.tenantId, context.userId, context.accountId, asked]))
    .digest("hex");
}

/**
 * What a request carrying an `Idempotency-Key` (and a store to keep it in) claims: the key, the store, and a
 * hash to feed the file as it streams, from which the fingerprint is made once the body is read.
 */
export function idempotencyClaim(header: string | undefined, store: Idempotency | undefined) {
  const key = readIdempotencyKey(header);
  if (key === undefined || store === undefined) return undefined;
  const fileHash = createHash("sha256");
  return {
    key,
    store,
    fileHash,
    fingerprint: (endpoint: string, context: RequestContext, asked: unknown) =>
      fingerprintOf(endpoint, fileHash.digest("hex"), context, asked),
  };
}

/** A handler's answer before it is written: recorded as it is sent when the request carries a key. */
export type Answer = { status: ContentfulStatusCode; headers?: Record<string, string> } & (
  | { body: Record<string, unknown>; text?: undefined }
  /** The answer as written when it is not JSON (subtitles), its type in `headers`. */
  | { body: null; text: string }
);

async function replay(c: Context<IdentifiedEnv>, response: ReplayableResponse): Promise<Response | undefined> {
  const headers = { ...response.headers, "Idempotent-Replayed": "true" };
  const status = response.status as ContentfulStatusCode;
  if (typeof response.body === "string") return c.body(textBody(response.body), status, headers);
  const stored = await response.body.open().catch((error: unknown) => {
    throw new StorageUnavailable("The idempotency store", { cause: error });
  });
  if (stored === undefined) return undefined;
  // Kept in the bucket: streamed from there as the client reads, never in memory whole.
  const body = ReadableStream.from(stored.body as AsyncIterable<Uint8Array>);
  return c.body(body, status, { ...headers, "Content-Length": String(stored.bytes) });
}

const withheld = (status: number) =>
  new ApiError(
    "idempotency_answer_withheld",
    `The request with this ${IDEMPOTENCY_KEY_HEADER} completed (status ${status}), but its answer is not kept; it is not run again. Read the job, or send with a new key to run it again.`,
    { answered_status: status },
  );

/**
 * Runs `work` at most once per key and fingerprint (the IETF `Idempotency-Key` draft): the first request runs
 * and its final answer (a success, or a refusal of what was sent) is recorded; the same key and fingerprint
 * later gets that answer again with `Idempotent-Replayed: true`; while the first still runs, 409 with
 * `Retry-After`; another file, identity or options under the key, 422. A 5xx, a refusal for the moment (408,
 * 429: the retry it invites may be taken) or a client gone is not final: the claim is released and a retry runs
 * again. `discard` undoes what the duplicate's own upload stored.
 */
export async function idempotently(
  c: Context<IdentifiedEnv>,
  idempotency: Idempotency,
  request: { key: string; fingerprint: string; discard?: () => Promise<void> },
  work: () => Promise<Answer>,
): Promise<Response> {
  const scope = c.var.context.tenantId;
  const begun = await idempotency.store
    .begin(scope, request.key, request.fingerprint, idempotency.leaseS)
    .catch((error: unknown) => {
      throw new StorageUnavailable("The idempotency store", { cause: error });
    });
  // Once the work is done, failing to record it must not fail the answer: a retry would then run again.
  const record = (what: Promise<void>) =>
    what.catch((error: unknown) =>
      c.var.log.error({ err: error }, "idempotency record not updated; a retry with this key will run again"),
    );
  if (!begun.claimed) {
    await request.discard?.();
    const { record } = begun;
    if (record.fingerprint !== request.fingerprint) {
      throw new ApiError(
        "idempotency_key_reused",
        `This ${IDEMPOTENCY_KEY_HEADER} was used for another file, identity or options; use a new key for a new request.`,
      );
    }
    if (record.state === "in_progress") {
      throw new ApiError(
        "idempotency_in_progress",
        `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; try again shortly.`,
        { retry_after_s: 5 },
      );
    }
    if (record.state === "withheld") throw withheld(record.status);
    const replayed = await replay(c, record.response);
    // Its answer was in the bucket, and the bucket's retention has removed it since.
    if (replayed === undefined) throw withheld(record.response.status);
    idempotency.onReplay?.();
    c.var.log.info({ status: record.response.status }, "idempotent replay");
    return replayed;
  }
  // The claim is held by a short lease, renewed while the work runs: a crashed instance's key is free again
  // within one lease, not after the longest a request may take.
  const renewal = setInterval(
    () => {
      void idempotency.store
        .renew(scope, request.key, request.fingerprint, idempotency.leaseS)
        .catch((error: unknown) => c.var.log.warn({ err: error }, "idempotency claim not renewed"));
    },
    (idempotency.leaseS * 1000) / 3,
  );
  let answer: Answer;
  try {
    answer = await work();
  } catch (error) {
    clearInterval(renewal);
    const apiError = toApiError(error);
    if (!isRetryableStatus(apiError.status) && !c.req.raw.signal.aborted) {
      const body = JSON.stringify(toProblem(apiError, c.var.interactionId));
      await record(
        idempotency.store.complete(scope, request.key, request.fingerprint, {
          status: apiError.status,
          headers: { "Content-Type": PROBLEM_CONTENT_TYPE },
          body,
        }),
      );
    } else {
      await record(idempotency.store.release(scope, request.key, request.fingerprint));
    }
    throw error;
  }
  clearInterval(renewal);
  // Recorded as one string; written a piece at a time, so a long answer does not hold the event loop.
  const body = answer.text !== undefined ? answer.text : await jsonText(answer.body);
  const headers = { "Content-Type": "application/json", ...answer.headers };
  await record(
    idempotency.store.complete(scope, request.key, request.fingerprint, { status: answer.status, headers, body }),
  );
  return c.body(textBody(body), answer.status, headers);
}
