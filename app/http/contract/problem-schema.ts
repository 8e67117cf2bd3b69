import * as v from "valibot";
import { AUTH_FAILURE_REASONS } from "../../auth/authenticator.js";
import { TRANSCRIPT_SOURCES } from "../../domain/transcript.js";
import { TRANSCRIPTION_PROVIDERS } from "../../domain/names.js";
import { VISIBLE_JOB_STATUSES } from "../../jobs/job-record.js";
import { ERRORS } from "./problem.js";

/** The problem document (RFC 9457) as the API answers it, and every extension a code may add. */

/** Extra fields a problem may carry, by the codes that set them. */
const ProblemExtensions = {
  header: v.optional(v.pipe(v.string(), v.description("invalid_header: the header at fault"))),
  max_bytes: v.optional(v.pipe(v.number(), v.description("payload_too_large: the limit"))),
  max_other_bytes: v.optional(
    v.pipe(v.number(), v.description("payload_too_large: the budget of parts other than `file`")),
  ),
  max_parts: v.optional(v.pipe(v.number(), v.description("malformed_multipart: the most parts a body may have"))),
  required_bytes: v.optional(v.pipe(v.number(), v.description("insufficient_storage: the declared size"))),
  min_bytes_per_s: v.optional(v.pipe(v.number(), v.description("upload_too_slow: the least rate taken"))),
  answered_status: v.optional(
    v.pipe(v.number(), v.description("idempotency_answer_withheld: the status the first request was answered with")),
  ),
  idle_timeout_s: v.optional(
    v.pipe(v.number(), v.description("upload_idle_timeout: how long the body may send nothing")),
  ),
  retry_after_s: v.optional(
    v.pipe(
      v.number(),
      v.description("too_busy, tenant_too_busy, idempotency_in_progress: when to try again, also in Retry-After"),
    ),
  ),
  allowed: v.optional(
    v.pipe(v.array(v.string()), v.description("invalid_query (model): the models a request may name")),
  ),
  option: v.optional(v.pipe(v.string(), v.description("unsupported_option: the option refused"))),
  field: v.optional(v.pipe(v.string(), v.description("invalid_transcript: the field at fault"))),
  job_status: v.optional(
    v.pipe(v.picklist(VISIBLE_JOB_STATUSES), v.description("job_not_completed: the job's status")),
  ),
  detected_type: v.optional(
    v.pipe(v.nullable(v.string()), v.description("unsupported_media_type: what the bytes turned out to be")),
  ),
  reason: v.optional(
    v.pipe(
      v.literal("encoding"),
      v.description("unsupported_media_type: text in an encoding the service does not read"),
    ),
  ),
  source: v.optional(
    v.pipe(v.picklist(TRANSCRIPT_SOURCES), v.description("empty_transcript: where the transcript came from")),
  ),
  provider: v.optional(
    v.pipe(
      v.picklist([...TRANSCRIPTION_PROVIDERS, "captions"]),
      v.description("provider_*, unsupported_option: the transcription provider (`captions`: a captions import)"),
    ),
  ),
  provider_status: v.optional(v.pipe(v.number(), v.description("provider_failed: the provider's HTTP status"))),
  attempts: v.optional(v.pipe(v.number(), v.description("provider_*: attempts made"))),
  variable: v.optional(v.pipe(v.string(), v.description("provider_not_configured: the variable to set"))),
  auth_reason: v.optional(
    v.pipe(v.picklist(AUTH_FAILURE_REASONS), v.description("unauthorized: why the credential was refused")),
  ),
  missing: v.optional(v.pipe(v.array(v.string()), v.description("async_unavailable: the settings that are not set"))),
  parameter: v.optional(v.pipe(v.string(), v.description("invalid_query: the query parameter at fault"))),
};

export const Problem = v.pipe(
  v.looseObject({
    type: v.string(),
    title: v.string(),
    status: v.number(),
    detail: v.string(),
    code: v.picklist(Object.keys(ERRORS) as Array<keyof typeof ERRORS>),
    interaction_id: v.pipe(
      v.nullable(v.string()),
      v.description("null only when the server refused the request before the app saw it"),
    ),
    ...ProblemExtensions,
  }),
  v.title("Problem"),
  v.description("RFC 9457 problem details"),
);
