import * as v from "valibot";
import { CLEANED_BY, CLEANERS, TRANSCRIPTION_PROVIDERS } from "../../domain/names.js";
import { TRANSCRIPT_SOURCES, TranscriptMetadata, Utterance, Word } from "../../domain/transcript.js";
import { TranscriptLanguage, TranscriptionOptions } from "../../domain/transcription-options.js";
import { FAILURE_CODES } from "../../domain/failures.js";
import { FAILURE_STAGES } from "../../events/batch-processing-failed.js";
import { CALLBACK_STATUSES, VISIBLE_JOB_STATUSES } from "../../jobs/job-record.js";
import { AUTH_FAILURE_REASONS } from "../../auth/authenticator.js";

/**
 * The API's shapes as valibot schemas: the handlers' answers are typed by them, the tests validate answers
 * against them, and the OpenAPI document is generated from them.
 */
export const EventReport = v.variant("status", [
  v.object({ status: v.literal("published"), event_id: v.string() }),
  v.object({
    status: v.literal("failed"),
    error: v.pipe(v.string(), v.description("Why publishing failed, as a code")),
  }),
  v.object({
    status: v.literal("disabled"),
    error: v.pipe(v.string(), v.description("Why publishing is off, e.g. no_credentials")),
  }),
]);

/** What a transcript is besides its text: in the synchronous answer and a completed job alike. */
const TranscriptDetails = {
  words: v.optional(
    v.pipe(
      v.array(Word),
      v.description("Each word with its timings and confidence, when the provider gives words (never for captions)"),
    ),
  ),
  confidence: v.pipe(v.nullable(v.number()), v.description("The provider's confidence in the transcript, 0–1")),
  language: v.pipe(
    v.nullable(TranscriptLanguage),
    v.description("The language asked for (`language`), or detected (`detect_language=true`); null when neither"),
  ),
  options: v.pipe(
    v.nullable(TranscriptionOptions),
    v.description("What the provider was asked: the request's options with the operator's defaults; null for captions"),
  ),
};

export const BatchResponse = v.pipe(
  v.object({
    interaction_id: v.pipe(
      v.string(),
      v.uuid(),
      v.description("This request's id, also in X-Interaction-ID and the logs"),
    ),
    tenant_id: v.pipe(v.string(), v.uuid(), v.description("The tenant the request ran as (and its event names)")),
    user_id: v.pipe(v.string(), v.description("The user the request ran as")),
    account_id: v.pipe(v.nullable(v.string()), v.description("The account the request ran as, or null")),
    warnings: v.optional(
      v.pipe(
        v.array(v.string()),
        v.description(
          "What the client is warned of (also in X-Warning): an identity header replaced (an X-Tenant-ID that is not a UUID v4), a request option sent as a form field and ignored",
        ),
      ),
    ),
    raw_transcript: v.string(),
    cleaned_transcript: v.string(),
    cleaner: v.picklist(CLEANED_BY),
    source: v.picklist(TRANSCRIPT_SOURCES),
    metadata: TranscriptMetadata,
    utterances: v.optional(
      v.pipe(
        v.array(Utterance),
        v.description(
          "Who said what, when: diarized or timed audio (Deepgram utterances, OpenAI-compatible segments), or timed captions (WebVTT voices)",
        ),
      ),
    ),
    ...TranscriptDetails,
    event: v.pipe(EventReport, v.description("What became of the BatchProcessingCompleted event")),
  }),
  v.title("BatchResponse"),
);

export type BatchResponse = v.InferOutput<typeof BatchResponse>;

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

const JobFields = {
  interaction_id: v.pipe(
    v.string(),
    v.uuid(),
    v.description("The job's id: the interaction id of the request that submitted it"),
  ),
  tenant_id: v.pipe(
    v.string(),
    v.uuid(),
    v.description("The tenant the job belongs to: send it as X-Tenant-ID to read the job back"),
  ),
  status: v.pipe(v.picklist(VISIBLE_JOB_STATUSES), v.description("queued → processing → completed | failed")),
  created_at: Timestamp,
  updated_at: Timestamp,
  started_at: v.optional(Timestamp),
  finished_at: v.optional(Timestamp),
  attempts: v.pipe(v.number(), v.description("Times a worker has taken the job")),
  bytes: v.pipe(v.number(), v.description("Size of the uploaded file")),
  callback: v.optional(
    v.pipe(
      v.object({
        url: v.string(),
        status: v.pipe(
          v.picklist(CALLBACK_STATUSES),
          v.description("pending until a 2xx (delivered) or the last try (failed)"),
        ),
        attempts: v.pipe(v.number(), v.description("Tries made so far")),
        last_status: v.optional(
          v.pipe(v.nullable(v.number()), v.description("The receiver's last status; null: no answer")),
        ),
        last_attempt_at: v.optional(Timestamp),
      }),
      v.description("The job's webhook, when it was submitted with `callback_url`"),
    ),
  ),
};

export const JobError = v.object({
  code: v.picklist(FAILURE_CODES),
  message: v.string(),
  stage: v.picklist(FAILURE_STAGES),
});

/** A job as `GET /batch/jobs/{id}` answers it: when completed, the same transcripts as the synchronous answer. */
export const JobResponse = v.pipe(
  v.object({
    ...JobFields,
    raw_transcript: v.optional(v.string()),
    cleaned_transcript: v.optional(v.string()),
    cleaner: v.optional(v.picklist(CLEANED_BY)),
    source: v.optional(v.picklist(TRANSCRIPT_SOURCES)),
    metadata: v.optional(TranscriptMetadata),
    utterances: v.optional(v.array(Utterance)),
    words: TranscriptDetails.words,
    confidence: v.optional(TranscriptDetails.confidence),
    language: v.optional(TranscriptDetails.language),
    options: v.optional(TranscriptDetails.options),
    error: v.optional(
      v.pipe(JobError, v.description("Why the job failed (when failed); also in its BatchProcessingFailed event")),
    ),
  }),
  v.title("JobResponse"),
);
export type JobResponse = v.InferOutput<typeof JobResponse>;

export const JobSummary = v.pipe(v.object({ ...JobFields, error: v.optional(JobError) }), v.title("JobSummary"));
export type JobSummary = v.InferOutput<typeof JobSummary>;

export const JobList = v.pipe(
  v.object({
    jobs: v.array(JobSummary),
    next_cursor: v.pipe(v.nullable(v.string()), v.description("Pass as `cursor` for the next page; null on the last")),
  }),
  v.title("JobList"),
);
export type JobList = v.InferOutput<typeof JobList>;

export const Health = v.object({ status: v.literal("ok"), uptime_s: v.number() });

export const Readiness = v.object({
  status: v.pipe(
    v.picklist(["ready", "draining", "not_ready"]),
    v.description("not_ready: UPLOAD_DIR cannot be written"),
  ),
  config: v.literal("valid"),
  transcription: v.object({
    provider: v.picklist(TRANSCRIPTION_PROVIDERS),
    model: v.string(),
    configured: v.boolean(),
    missing: v.optional(
      v.pipe(
        v.array(v.string()),
        v.description("The settings audio transcription still needs (e.g. DEEPGRAM_API_KEY)"),
      ),
    ),
  }),
  cleaner: v.picklist(CLEANERS),
  events: v.object({
    publishing: v.pipe(
      v.picklist(["enabled", "degraded", "disabled"]),
      v.description("degraded: the bus kept failing, events fail fast until a probe gets through"),
    ),
  }),
  uploads: v.object({ writable: v.pipe(v.boolean(), v.description("Whether UPLOAD_DIR can be written")) }),
  jobs: v.object({
    configured: v.pipe(v.boolean(), v.description("Whether async jobs (POST /batch/jobs) are configured")),
    auth_reason: v.optional(
      v.pipe(v.picklist(AUTH_FAILURE_REASONS), v.description("unauthorized: why the credential was refused")),
    ),
    missing: v.optional(v.pipe(v.array(v.string()), v.description("The settings they still need"))),
  }),
  in_flight: v.number(),
});
