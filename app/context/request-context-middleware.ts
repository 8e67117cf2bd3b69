import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env.js";
import { readIdentityHeader } from "../http/identity-headers.js";
import type { Logger } from "../logger.js";
import { resolveRequestContext, type IdentityDefaults } from "./request-context.js";

export const INTERACTION_ID_HEADER = "X-Interaction-ID";

/**
 * Gives every request its interaction id, echoed in `X-Interaction-ID` on every answer (errors included),
 * and a logger bound to it. Runs first, so that anything that fails later can still be correlated.
 */
export function interaction({ logger, newId = randomUUID }: { logger: Logger; newId?: () => string }) {
  return createMiddleware<AppEnv>(async function interaction(c, next) {
    const interactionId = newId();
    c.set("interactionId", interactionId);
    c.set("log", logger.child({ interaction_id: interactionId }));
    c.header(INTERACTION_ID_HEADER, interactionId);
    await next();
  });
}

/**
 * Reads the caller's identity from the trusted headers (see `resolveRequestContext`). Invalid tenant ids
 * are logged and reported in `X-Warning`; over-long, repeated or non-UTF-8 ids are a 400.
 */
export function identity({ defaults, newId = randomUUID }: { defaults: IdentityDefaults; newId?: () => string }) {
  return createMiddleware<AppEnv>(async function identity(c, next) {
    const header = (name: string) => readIdentityHeader(name, c.env?.incoming, (fallback) => c.req.header(fallback));
    const { context, warnings } = resolveRequestContext(
      {
        tenantId: header("X-Tenant-ID"),
        userId: header("X-User-ID"),
        accountId: header("X-Account-ID"),
      },
      defaults,
      c.var.interactionId,
      newId,
    );
    for (const warning of warnings) {
      c.var.log.warn({ header: warning.header, value: warning.value.slice(0, 100) }, warning.message);
      c.header("X-Warning", warning.message, { append: true });
    }
    c.set("context", context);
    await next();
  });
}
