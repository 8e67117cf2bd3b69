import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, PROBLEM_CONTENT_TYPE, toProblem } from "../problem.js";
import { ProviderError } from "../transcription/transcriber.js";
import { ClientGoneError } from "../upload/multipart-upload.js";
import type { AppEnv } from "./app-env.js";

/** Maps what the pipeline throws to the one error type the API answers with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ProviderError) {
    const extensions = {
      provider: error.provider,
      ...(error.details.status !== undefined && { provider_status: error.details.status }),
      ...(error.details.attempts !== undefined && { attempts: error.details.attempts }),
      ...(error.details.variable !== undefined && { variable: error.details.variable }),
    };
    const code =
      error.failure === "timeout"
        ? "provider_timeout"
        : error.failure === "not_configured"
          ? "provider_not_configured"
          : "provider_failed";
    return new ApiError(code, error.message, extensions, { cause: error });
  }
  return new ApiError("internal", "The request could not be completed.", {}, { cause: error });
}

export function problemResponse(c: Context<AppEnv>, apiError: ApiError): Response {
  return c.body(JSON.stringify(toProblem(apiError, c.var.interactionId ?? null)), apiError.status, {
    "Content-Type": PROBLEM_CONTENT_TYPE,
  });
}

/** nginx's code for a client that closed its connection before the answer: logged and counted, never sent. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The one `app.onError`: every failure becomes problem+json. Only our own faults are logged as errors, with
 * their stack; a provider failing is a warning, a client mistake is information. A client that went away
 * gets no answer (nobody reads it): its request is recorded as 499.
 */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const log = c.var.log;
  if (error instanceof ClientGoneError || c.req.raw.signal.aborted) {
    log?.info({ error: error.name }, "client went away before the answer");
    return c.body(null, CLIENT_CLOSED_REQUEST as ContentfulStatusCode);
  }
  const apiError = toApiError(error);
  if (apiError.code === "internal") {
    log?.error({ err: error, code: apiError.code }, "request failed");
  } else if (apiError.status >= 500) {
    log?.warn({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request failed");
  } else {
    log?.info({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request rejected");
  }
  return problemResponse(c, apiError);
}
