import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { DomainError, DomainErrorCode } from "../../domain/failures.js";

/** Every error the API answers with, and the HTTP status and title each maps to. */
export const ERRORS = {
  malformed_request: { status: 400, title: "Malformed request" },
  invalid_header: { status: 400, title: "Invalid request header" },
  missing_file: { status: 400, title: "Missing file" },
  empty_file: { status: 400, title: "Empty file" },
  malformed_multipart: { status: 400, title: "Malformed multipart body" },
  invalid_query: { status: 400, title: "Invalid query parameter" },
  invalid_transcript: { status: 400, title: "Not a transcript" },
  invalid_callback: { status: 400, title: "Callback URL refused" },
  unauthorized: { status: 401, title: "Authentication required" },
  tenant_mismatch: { status: 403, title: "Tenant does not match the credential" },
  not_found: { status: 404, title: "Not found" },
  job_expired: { status: 404, title: "The job has expired" },
  idempotency_in_progress: { status: 409, title: "A request with this Idempotency-Key is in progress" },
  idempotency_answer_withheld: { status: 409, title: "The answer for this Idempotency-Key was not kept" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  headers_timeout: { status: 408, title: "Request headers timed out" },
  upload_idle_timeout: { status: 408, title: "Upload stalled" },
  upload_timeout: { status: 408, title: "Upload took too long" },
  upload_too_slow: { status: 408, title: "Upload too slow" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  expectation_failed: { status: 417, title: "Expectation failed" },
  tenant_too_busy: { status: 429, title: "Too many requests of this tenant in progress" },
  headers_too_large: { status: 431, title: "Request headers too large" },
  job_not_completed: { status: 409, title: "The job has no transcript yet" },
  empty_transcript: { status: 422, title: "Empty transcript" },
  unsupported_option: { status: 422, title: "Option not supported" },
  subtitles_unavailable: { status: 422, title: "No timings to make subtitles from" },
  idempotency_key_reused: { status: 422, title: "Idempotency-Key reused for another request" },
  internal: { status: 500, title: "Internal server error" },
  provider_failed: { status: 502, title: "Transcription provider failed" },
  provider_not_configured: { status: 503, title: "Transcription provider not configured" },
  too_busy: { status: 503, title: "Too many requests in progress" },
  async_unavailable: { status: 503, title: "Async jobs not configured" },
  webhooks_unavailable: { status: 503, title: "Webhooks not configured" },
  auth_unavailable: { status: 503, title: "Credentials cannot be verified right now" },
  storage_unavailable: { status: 503, title: "Job storage unavailable" },
  provider_timeout: { status: 504, title: "Transcription provider timed out" },
  processing_timeout: { status: 504, title: "Processing took too long" },
  insufficient_storage: { status: 507, title: "Insufficient storage" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The slug of a problem `type`: `/problems/provider-not-configured` for `provider_not_configured`. */
export const problemSlug = (code: ErrorCode) => code.replaceAll("_", "-");

/** An RFC 9457 problem document, with our `code` and the request's `interaction_id` as extensions. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  interaction_id: string | null;
  [extension: string]: unknown;
}

/**
 * The one error type the edge throws; `app.onError` turns it into a problem+json answer. It is Hono's
 * `HTTPException`, so Hono's own middleware and ours are answered the same way.
 */
export class ApiError extends HTTPException {
  override readonly name = "ApiError";
  declare readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(ERRORS[code].status, { message: detail, cause: options?.cause });
  }
}

/** Each domain failure as the API answers it: the one place a failure code meets a problem code. */
const DOMAIN_PROBLEMS: Record<DomainErrorCode, { code: ErrorCode; extensions?: Record<string, unknown> }> = {
  unsupported_input: { code: "unsupported_media_type" },
  unsupported_encoding: { code: "unsupported_media_type", extensions: { reason: "encoding" } },
  too_large: { code: "payload_too_large" },
  empty_transcript: { code: "empty_transcript" },
  provider_failed: { code: "provider_failed" },
  provider_timeout: { code: "provider_timeout" },
  provider_not_configured: { code: "provider_not_configured" },
  processing_failed: { code: "internal" },
  storage_unavailable: { code: "storage_unavailable" },
  too_busy: { code: "too_busy" },
  tenant_too_busy: { code: "tenant_too_busy" },
  invalid_option: { code: "invalid_query" },
  unsupported_option: { code: "unsupported_option" },
  subtitles_unavailable: { code: "subtitles_unavailable" },
};

export function fromDomainError(error: DomainError): ApiError {
  const { code, extensions } = DOMAIN_PROBLEMS[error.code];
  return new ApiError(code, error.message, { ...extensions, ...error.details }, { cause: error });
}

/** Statuses Hono's own middleware answers with (`bodyLimit`, `timeout`, …), as the nearest problem code. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  400: "malformed_request",
  404: "not_found",
  405: "method_not_allowed",
  408: "upload_timeout",
  413: "payload_too_large",
  415: "unsupported_media_type",
  431: "headers_too_large",
  503: "too_busy",
  504: "processing_timeout",
};

export function fromHttpException(error: HTTPException): ApiError {
  const code = HTTP_EXCEPTION_CODES[error.status] ?? (error.status < 500 ? "malformed_request" : "internal");
  return new ApiError(code, error.message || ERRORS[code].title, {}, { cause: error });
}

export function toProblem(error: ApiError, interactionId: string | null): Problem {
  return {
    type: `/problems/${problemSlug(error.code)}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    interaction_id: interactionId,
    ...error.extensions,
  };
}
