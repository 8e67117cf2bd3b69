import { Readable } from "node:stream";
import type { Context } from "hono";
import type { DetectedInput } from "../../upload/input-detection.js";
import type { UploadSink } from "../../upload/upload-sink.js";
import type { IdentifiedEnv } from "../server/app-env.js";
import { warnClient } from "../server/client-warnings.js";
import { headerSentOnce } from "../identity/identity-headers.js";
import {
  idempotencyClaim,
  idempotently,
  IDEMPOTENCY_KEY_HEADER,
  type Answer,
  type Idempotency,
} from "./idempotency.js";
import { receiveAnyUpload } from "./raw-body-upload.js";
import type { Received } from "./upload-request.js";
import type { MinUploadRate } from "./arrival-watch.js";

/** What a request's `Idempotency-Key` claims, when it has one and there is a store to keep it in. */
export type IdempotencyClaim = ReturnType<typeof idempotencyClaim>;

export const claimOf = (c: Context<IdentifiedEnv>, idempotency: Idempotency | undefined): IdempotencyClaim =>
  idempotencyClaim(
    headerSentOnce(IDEMPOTENCY_KEY_HEADER, c.env?.incoming, (name) => c.req.header(name)),
    idempotency,
  );

export interface UploadAcceptance<T> {
  /** The endpoint, as the idempotency fingerprint names it (`POST /batch/process`). */
  endpoint: string;
  claim: IdempotencyClaim;
  /** What the request asked besides its file (options, the answer's format): part of its idempotency fingerprint. */
  asked: unknown;
  sink: UploadSink<T>;
  maxBytes: number;
  idleTimeoutMs: number;
  minRate?: MinUploadRate | undefined;
  signal: AbortSignal;
  /** Screens the file's first bytes as they arrive: resolves what they were found to be, or throws to refuse. */
  screen?: ((head: Buffer) => Promise<DetectedInput | undefined>) | undefined;
  /** Told of the stored upload at once, whether it is then answered or replayed. */
  received?: ((upload: Received<T>) => void) | undefined;
  /** The answer to the upload: run at most once per `Idempotency-Key`. */
  answer(upload: Received<T>, screened: DetectedInput | undefined): Promise<Answer>;
  /** How the answer is written when there is no key to record it under. */
  respond(answer: Answer): Response;
  /** Undoes what a duplicate's own upload stored, when its key's answer is replayed instead. */
  discardDuplicate?: (() => Promise<void>) | undefined;
}

/** A request option sent as a form field was ignored: the client is told, in `X-Warning` and the answer. */
function warnOfOptionField(c: Context<IdentifiedEnv>, name: string) {
  c.var.log.warn({ field: name }, "a request option was sent as a form field and ignored");
  warnClient(c, `${name} was sent as a form field and ignored: request options go in the query (?${name}=...)`);
}

/**
 * The one way an upload is accepted, for both `POST` routes: the body (multipart or whole) is received into
 * the sink under the limits while its first bytes are screened; then it is answered, at most once per
 * `Idempotency-Key`.
 */
export async function acceptUpload<T>(c: Context<IdentifiedEnv>, acceptance: UploadAcceptance<T>): Promise<Response> {
  const { claim, screen } = acceptance;
  // What the early screen found the file to be (when it was long enough to be screened), not detected twice.
  let screened: DetectedInput | undefined;
  const upload = await receiveAnyUpload(
    {
      contentType: c.req.header("Content-Type"),
      contentLength: c.req.header("Content-Length"),
      // Under Node, read the request itself: a web stream in between would only be converted back.
      body: c.env?.incoming ?? (c.req.raw.body === null ? null : Readable.fromWeb(c.req.raw.body)),
    },
    {
      maxBytes: acceptance.maxBytes,
      sink: acceptance.sink,
      idleTimeoutMs: acceptance.idleTimeoutMs,
      minRate: acceptance.minRate,
      signal: acceptance.signal,
      screen:
        screen &&
        (async (head) => {
          screened = await screen(head);
        }),
      hash: claim?.fileHash,
    },
  );
  for (const name of upload.optionFields ?? []) warnOfOptionField(c, name);
  acceptance.received?.(upload);
  const run = () => acceptance.answer(upload, screened);
  if (claim === undefined) return acceptance.respond(await run());
  const fingerprint = claim.fingerprint(acceptance.endpoint, c.var.context, acceptance.asked);
  return idempotently(c, claim.store, { key: claim.key, fingerprint, discard: acceptance.discardDuplicate }, run);
}
