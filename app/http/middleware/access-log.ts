import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Metrics } from "../../observability/metrics.js";
import type { AppEnv } from "../server/app-env.js";

/** Probes and scrapes arrive every few seconds: their lines are debug, unless they fail. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * One structured line per request, written once the answer is known, enriched by what the handler learnt
 * (`c.var.outcome`); the same moment feeds the request metrics.
 */
export function accessLog({ metrics }: { metrics: Metrics }) {
  return createMiddleware<AppEnv>(async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    // The matched handler's pattern keeps the label set small; 404s have no handler.
    const route = c.res.status === 404 ? "unmatched" : routePath(c, -1);
    metrics.requestAnswered(route, c.req.method, c.res.status, seconds);
    const level = QUIET_PATHS.has(c.req.path) && c.res.status < 500 ? "debug" : "info";
    c.var.log[level](
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(seconds * 1000),
        tenant_id: c.var.context?.tenantId,
        ...c.var.outcome,
      },
      "request completed",
    );
  });
}
