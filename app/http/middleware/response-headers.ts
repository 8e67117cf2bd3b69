import { createMiddleware } from "hono/factory";

/** Headers a client or cache must see on the API's answers: what a transcript or a job must never be. */
const PRIVATE_ANSWER = {
  "Cache-Control": "no-store",
  // The credential and the tenant decide what the answer is.
  Vary: "Authorization, X-API-Key, X-Tenant-ID",
};

/**
 * Headers on every answer, errors included: no content sniffing, no referrer. Answers under `/batch/` carry
 * transcripts and jobs: never stored, and varying with who asks. Set before the answer is made, so they go
 * into it as it is built (set after, each would have the adapter rebuild the answer as a full `Response`).
 */
export function responseHeaders() {
  return createMiddleware(async function responseHeaders(c, next) {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    if (c.req.path.startsWith("/batch/"))
      for (const [name, value] of Object.entries(PRIVATE_ANSWER)) c.header(name, value);
    await next();
  });
}
