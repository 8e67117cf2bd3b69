import type { Context } from "hono";
import { ApiError, PROBLEM_CONTENT_TYPE, toProblem } from "../problem.js";
import { ProviderError } from "../transcription/transcriber.js";
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

/**
 * The one `app.onError`: every failure becomes problem+json. Only our own faults are logged as errors, with
 * their stack; a provider failing is a warning, a client mistake is information.
 */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const apiError = toApiError(error);
  const log = c.var.log;
  if (c.req.raw.signal.aborted) {
    // Whatever failed, it failed because the client hung up: nobody is waiting for this answer.
    log?.info({ code: apiError.code, error: error.name }, "client went away before the answer");
  } else if (apiError.code === "internal") {
    log?.error({ err: error, code: apiError.code }, "request failed");
  } else if (apiError.status >= 500) {
    log?.warn({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request failed");
  } else {
    log?.info({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request rejected");
  }
  // A rejected upload is usually not read to its end; what is left of it must not be taken for the next request.
  if (c.req.header("Content-Length") !== undefined || c.req.header("Transfer-Encoding") !== undefined) {
    c.header("Connection", "close");
  }
  return problemResponse(c, apiError);
}
