import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { EdgeBindings, IdentityVariables, InteractionVariables } from "../app-env.js";
import { resolveRequestContext, type IdentityDefaults } from "../identity.js";
import { readIdentityHeader } from "../identity-headers.js";

/**
 * Reads the caller's identity from the trusted headers (see `resolveRequestContext`). Invalid tenant ids
 * are logged and reported in `X-Warning`; over-long, repeated or non-UTF-8 ids are a 400.
 */
export function identity({ defaults, newId = randomUUID }: { defaults: IdentityDefaults; newId?: () => string }) {
  return createMiddleware<{ Variables: InteractionVariables & IdentityVariables; Bindings: EdgeBindings }>(async function identity(c, next) {
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
