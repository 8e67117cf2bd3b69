import { ERRORS, problemSlug, type ErrorCode } from "./problem.js";

/** What each problem means and what to do about it: the page behind every problem `type`. */
export const PROBLEM_GUIDE: Record<ErrorCode, { meaning: string; action: string }> = {
  malformed_request: {
    meaning:
      "The request is not well-formed HTTP/1.1 (its request line, a header, its chunk framing, a missing or invalid Host header, a request target that is not a path), or it is a CONNECT: the service is not a proxy.",
    action: "Send a well-formed request; an HTTP library does this for you.",
  },
  invalid_header: {
    meaning:
      "A header has a value the service does not take: an identity over 256 characters, not " +
      "UTF-8 or sent twice, or an Idempotency-Key that is empty, too long, not printable ASCII or sent twice.",
    action:
      "Send each identity header once, as UTF-8 of at most 256 characters, and Idempotency-Key once, as 1 to 255 printable ASCII characters.",
  },
  missing_file: {
    meaning: "The multipart body has no file field named `file`, or sent `file` as text, without a filename.",
    action: "Send the recording as the multipart file field `file` (curl: -F file=@meeting.wav, with the @).",
  },
  empty_file: { meaning: "The uploaded file has no bytes.", action: "Check the path of the file you upload." },
  malformed_multipart: {
    meaning:
      "The multipart body could not be read: no boundary, cut short, more than one `file`, or more than 16 parts.",
    action: "Send one `file` part in a complete multipart/form-data body.",
  },
  invalid_query: {
    meaning:
      "A query parameter has a value the route does not take (`parameter` names it): a transcription option " +
      "(a malformed language tag, a model not in `allowed`, too many or too long key terms, an unknown " +
      "redaction, a switch that is not true or false, language with detect_language), a subtitle format or " +
      "layout, or the job list's; or one given twice that is not keyterm or redact.",
    action:
      "Fix the parameter named: language as a BCP-47 tag (es, pt-BR) or detect_language=true, model from `allowed`, " +
      "at most 50 keyterm of at most 100 characters, redact pii, pci or numbers; for the list, status, limit 1 to 100 " +
      "and a cursor exactly as a page returned it; give each parameter once (keyterm and redact may repeat).",
  },
  invalid_transcript: {
    meaning:
      "The body of POST /batch/subtitles is not a transcript: not UTF-8 JSON, or without `source` and the `words` or `utterances` " +
      "of an answer, or with a time before 0 or past 100,000 hours (`field` names what is wrong).",
    action: "Send back the JSON of a POST /batch/process answer or a completed job as it came, as application/json.",
  },
  invalid_callback: {
    meaning:
      "The `callback_url` is one the service will not call: not https on port 443 or 8443, with credentials in it, " +
      "a host that is (or resolves to) a loopback, private, link-local, metadata or other non-public address, " +
      "or given to POST /batch/process without `Prefer: respond-async`.",
    action: "Give a public https URL your receiver answers on; verify our signature instead of putting a secret in it.",
  },
  job_expired: {
    meaning: "The job was there, but its retention ran out: its transcript and files are gone.",
    action: "Submit the recording again; read results within the retention period the README states.",
  },
  webhooks_unavailable: {
    meaning:
      "This instance has no webhook delivery queue or signing secret, so it cannot call back (`missing` names them).",
    action: "Poll GET /batch/jobs/{id} instead, or ask the operator to set WEBHOOK_QUEUE_URL and WEBHOOK_SECRET.",
  },
  tenant_too_busy: {
    meaning:
      "Your tenant already has its share of this instance in use: its request slots (MAX_CONCURRENT_REQUESTS_PER_TENANT), the text it holds in memory, or the upload disk its uploads in progress fill; other tenants are unaffected.",
    action: "Wait Retry-After seconds, or send fewer requests at once.",
  },
  upload_too_slow: {
    meaning:
      "The body arrived slower than the least the service takes (UPLOAD_MIN_BYTES_PER_S on average over 30 s): a trickling upload would hold a slot for everyone.",
    action: "Send from a faster connection, or upload to object storage first and submit a smaller file.",
  },
  idempotency_answer_withheld: {
    meaning:
      "The first request with this Idempotency-Key completed (its status is in `answered_status`), but its answer was too large to keep in this instance's memory; it is not run a second time.",
    action:
      "Read the result where it is kept (GET /batch/jobs/{id}), or send with a new key to run it again. Set IDEMPOTENCY_TABLE to keep every answer.",
  },
  unsupported_option: {
    meaning:
      "The option named in `option` is well-formed, but `provider` cannot honour it (the configured transcription " +
      "provider, or `captions` for a captions import, which is not transcribed). It is refused rather than dropped.",
    action:
      "Leave the option out, or ask the operator for a provider that has it (the README lists what each supports).",
  },
  job_not_completed: {
    meaning:
      "The job has not completed (it is queued, processing or failed), so it has no transcript to make subtitles of.",
    action: "Poll GET /batch/jobs/{id} until its status is completed, then ask again.",
  },
  subtitles_unavailable: {
    meaning:
      "The transcript has no timings (plain-text captions, or a provider model that answers text only), so no cue can be timed.",
    action: "Ask for JSON instead, or transcribe with a model that gives word or segment timings.",
  },
  unauthorized: {
    meaning:
      "The service verifies who is asking, and this request has no credential, or one that does not verify (auth_reason says why).",
    action: "Send a valid token or API key as Authorization: Bearer (or X-API-Key); ask your administrator for one.",
  },
  tenant_mismatch: {
    meaning: "The credential is valid, but X-Tenant-ID names another tenant.",
    action: "Leave X-Tenant-ID out (the credential says the tenant) or send the credential's tenant.",
  },
  not_found: {
    meaning: "There is nothing here: no such route, or no such job for your tenant.",
    action: "Check the path; a job is read with the tenant that submitted it.",
  },
  idempotency_in_progress: {
    meaning: "A request with the same Idempotency-Key is still being processed.",
    action: "Wait Retry-After seconds and send the same request again: you will get its answer.",
  },
  method_not_allowed: {
    meaning: "The route does not take this method.",
    action: "Use the method in the Allow header.",
  },
  headers_timeout: {
    meaning: "The request's headers did not arrive in time.",
    action: "Send the headers promptly; check the network between you and the service.",
  },
  upload_idle_timeout: {
    meaning: "The upload stopped sending for longer than the service waits.",
    action: "Check the connection and upload again; use async jobs for long uploads on a flaky link.",
  },
  upload_timeout: {
    meaning: "The upload did not complete within the request's time limit.",
    action: "Upload a smaller file or over a faster link, or submit it as an async job.",
  },
  payload_too_large: {
    meaning:
      "The file (or the body around it) is over the service's limit, or the recording's transcript is longer than the service reads; max_bytes says the limit.",
    action: "Upload a smaller file, or split the recording.",
  },
  unsupported_media_type: {
    meaning:
      "The file is neither supported audio nor captions (judged by its bytes, not its name), or text in an encoding the service does not read.",
    action:
      "Upload WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF or AMR audio, or WebVTT, SRT or plain-text captions in UTF-8 (or UTF-16 LE/BE with a byte order mark).",
  },
  expectation_failed: {
    meaning:
      "The request carries an `Expect` header other than `100-continue`, the only expectation the service meets.",
    action: "Send the request without that `Expect` header (or with `Expect: 100-continue`).",
  },
  headers_too_large: {
    meaning: "The request's headers are larger than the server takes (16 KiB).",
    action: "Send fewer or shorter headers (large cookies are the usual cause).",
  },
  idempotency_key_reused: {
    meaning: "This Idempotency-Key was used for another file or by another identity.",
    action: "Use a new key for a new request; reuse a key only to retry the very same request.",
  },
  empty_transcript: {
    meaning: "The recording holds no speech that could be transcribed, or the captions hold no text.",
    action:
      "Check that the file has speech or cue text; nothing was published for it but a BatchProcessingFailed event.",
  },
  internal: {
    meaning: "Something failed on our side.",
    action: "Try again; if it keeps failing, give the operator the interaction_id.",
  },
  provider_failed: {
    meaning: "The transcription provider refused or kept failing after retries (provider_status says how).",
    action: "Try again later; if it persists, the operator should check the provider's key and status.",
  },
  provider_not_configured: {
    meaning: "Audio needs a transcription provider, and its key is not set on this service (variable names it).",
    action: "Upload captions instead, or ask the operator to set the variable.",
  },
  too_busy: {
    meaning: "This instance is processing as many uploads as it takes at once.",
    action: "Wait Retry-After seconds and try again.",
  },
  async_unavailable: {
    meaning:
      "Async jobs need a bucket, a work queue and a jobs table, and this service has not been given them (missing names them).",
    action: "Use POST /batch/process, or ask the operator to set the missing settings.",
  },
  auth_unavailable: {
    meaning: "The service could not fetch the keys it verifies tokens with.",
    action: "Try again shortly; your token may well be fine.",
  },
  storage_unavailable: {
    meaning:
      "The bucket, job table, work queue or idempotency store failed or could not be reached; nothing of the request was kept.",
    action: "Try again shortly.",
  },
  provider_timeout: {
    meaning: "The transcription provider did not answer in time.",
    action: "Try again; for long recordings, submit an async job.",
  },
  processing_timeout: {
    meaning: "Transcription and cleaning did not finish within the request's time limit.",
    action: "Submit the recording as an async job (POST /batch/jobs) and read the result when it is done.",
  },
  insufficient_storage: {
    meaning: "The service has not enough free disk space for this upload, or for the job result read back, right now.",
    action: "Try again later, or upload a smaller file.",
  },
};

export function codeOfSlug(slug: string): ErrorCode | undefined {
  return (Object.keys(ERRORS) as ErrorCode[]).find((code) => problemSlug(code) === slug);
}
