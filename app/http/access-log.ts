import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env.js";

/** One line per request, written once the answer is known. */
export function accessLog() {
  return createMiddleware<AppEnv>(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    c.var.log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(performance.now() - started),
        tenant_id: c.var.context?.tenantId,
      },
      "request completed",
    );
  });
}
