import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HTTPException } from "hono/http-exception";
import { DomainError } from "../../domain/failures.js";
import { ApiError, fromDomainError, fromHttpException, PROBLEM_CONTENT_TYPE, toProblem } from "../contract/problem.js";
import { ClientGoneError } from "../upload/upload-request.js";
import type { AppEnv } from "./app-env.js";

/** Maps whatever was thrown to the one error type the API answers with. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return fromDomainError(error);
  if (error instanceof HTTPException) return fromHttpException(error);
  return new ApiError("internal", "The request could not be completed.", {}, { cause: error });
}

export function problemResponse(c: Context<AppEnv>, apiError: ApiError): Response {
  const retryAfterS = apiError.extensions.retry_after_s;
  return c.body(JSON.stringify(toProblem(apiError, c.var.interactionId)), apiError.status, {
    "Content-Type": PROBLEM_CONTENT_TYPE,
    // Said in the header too, wherever the refusal was made.
    ...(typeof retryAfterS === "number" && { "Retry-After": String(retryAfterS) }),
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
    log.info({ error: error.name }, "client went away before the answer");
    return c.body(null, CLIENT_CLOSED_REQUEST as ContentfulStatusCode);
  }
  const apiError = toApiError(error);
  if (apiError.code === "internal") {
    log.error({ err: error, code: apiError.code }, "request failed");
  } else if (apiError.status >= 500) {
    log.warn({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request failed");
  } else {
    log.info({ code: apiError.code, status: apiError.status, detail: apiError.detail }, "request rejected");
  }
  return problemResponse(c, apiError);
}
