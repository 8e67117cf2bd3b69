import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Logger } from "../../logger.js";
import type { InteractionVariables } from "../server/app-env.js";

export const INTERACTION_ID_HEADER = "X-Interaction-ID";
export const REQUEST_ID_HEADER = "X-Request-ID";

/** A client's request id is taken as given only when it is short printable ASCII: it goes into every log line. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Gives every request its interaction id, echoed in `X-Interaction-ID` on every answer (errors included),
 * and a logger bound to it. A client's `X-Request-ID` (a proxy's or its own) is echoed back and logged
 * beside it as `client_request_id` (`request_id` is the provider's), when it is short printable ASCII;
 * anything else is ignored. Runs first, so that anything that
 * fails later can still be correlated.
 */
export function interaction({ logger, newId = randomUUID }: { logger: Logger; newId?: () => string }) {
  return createMiddleware<{ Variables: InteractionVariables }>(async function interaction(c, next) {
    const interactionId = newId();
    const sent = c.req.header(REQUEST_ID_HEADER);
    const requestId = sent !== undefined && REQUEST_ID.test(sent) ? sent : undefined;
    c.set("interactionId", interactionId);
    c.set(
      "log",
      logger.child({ interaction_id: interactionId, ...(requestId !== undefined && { client_request_id: requestId }) }),
    );
    c.header(INTERACTION_ID_HEADER, interactionId);
    if (requestId !== undefined) c.header(REQUEST_ID_HEADER, requestId);
    await next();
  });
}
