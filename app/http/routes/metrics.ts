import { Hono } from "hono";
import type { Metrics } from "../../observability/metrics.js";
import type { AppEnv } from "../app-env.js";
import { describeMetrics } from "../openapi.js";

/** `GET /metrics`: Prometheus text from the service's own registry. */
export function metricsRoutes(metrics: Metrics) {
  const routes = new Hono<AppEnv>();
  routes.get("/metrics", describeMetrics, async (c) => c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }));
  return routes;
}
