import { timingSafeEqual, createHash } from "node:crypto";
import { Hono } from "hono";
import type { Metrics } from "../../observability/metrics.js";
import type { AppEnv } from "../server/app-env.js";
import { AUTH_REALM } from "../middleware/identity.js";
import { describeDocument } from "../contract/openapi.js";
import { ApiError } from "../contract/problem.js";

const describeMetrics = describeDocument(
  "Prometheus metrics (behind `Authorization: Bearer <METRICS_TOKEN>` when that is set)",
  "operations",
  "Prometheus text exposition",
  "text/plain",
  { type: "string" },
  ["unauthorized"],
);

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** `GET /metrics`: Prometheus text from the service's own registry; behind `METRICS_TOKEN` when one is set. */
export function metricsRoutes(metrics: Metrics, token?: string) {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  const routes = new Hono<AppEnv>();
  routes.get("/metrics", describeMetrics, async (c) => {
    // Hashed first, so the comparison takes the same time whatever the length of what was sent.
    if (expected !== undefined && !timingSafeEqual(digest(c.req.header("Authorization") ?? ""), expected)) {
      c.header("WWW-Authenticate", AUTH_REALM);
      throw new ApiError("unauthorized", "/metrics needs Authorization: Bearer <METRICS_TOKEN>.");
    }
    return c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
  return routes;
}
