import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Logger } from "../../logger.js";
import type { InteractionVariables } from "../app-env.js";

export const INTERACTION_ID_HEADER = "X-Interaction-ID";

/**
 * Gives every request its interaction id, echoed in `X-Interaction-ID` on every answer (errors included),
 * and a logger bound to it. Runs first, so that anything that fails later can still be correlated.
 */
export function interaction({ logger, newId = randomUUID }: { logger: Logger; newId?: () => string }) {
  return createMiddleware<{ Variables: InteractionVariables }>(async function interaction(c, next) {
    const interactionId = newId();
    c.set("interactionId", interactionId);
    c.set("log", logger.child({ interaction_id: interactionId }));
    c.header(INTERACTION_ID_HEADER, interactionId);
    await next();
  });
}
