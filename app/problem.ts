import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error the API answers with, and the HTTP status and title each maps to. */
export const ERRORS = {
  malformed_request: { status: 400, title: "Malformed request" },
  invalid_header: { status: 400, title: "Invalid request header" },
  missing_file: { status: 400, title: "Missing file" },
  empty_file: { status: 400, title: "Empty file" },
  malformed_multipart: { status: 400, title: "Malformed multipart body" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  headers_timeout: { status: 408, title: "Request headers timed out" },
  upload_idle_timeout: { status: 408, title: "Upload stalled" },
  upload_timeout: { status: 408, title: "Upload took too long" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  headers_too_large: { status: 431, title: "Request headers too large" },
  empty_transcript: { status: 422, title: "Empty transcript" },
  internal: { status: 500, title: "Internal server error" },
  provider_failed: { status: 502, title: "Transcription provider failed" },
  provider_not_configured: { status: 503, title: "Transcription provider not configured" },
  too_busy: { status: 503, title: "Too many requests in progress" },
  provider_timeout: { status: 504, title: "Transcription provider timed out" },
  processing_timeout: { status: 504, title: "Processing took too long" },
  insufficient_storage: { status: 507, title: "Insufficient storage" },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

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

/** The one error type handlers throw; `app.onError` turns it into a problem+json answer. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.status = ERRORS[code].status;
  }
}

export function toProblem(error: ApiError, interactionId: string | null): Problem {
  return {
    type: `/problems/${error.code.replaceAll("_", "-")}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    interaction_id: interactionId,
    ...error.extensions,
  };
}
