import { describeRoute } from "hono-openapi";
import { Health, Readiness } from "../contract/api-schemas.js";
import { Hono } from "hono";
import type { Cleaner } from "../../cleaning/cleaner.js";
import type { EventPublisher } from "../../events/event-publisher.js";
import type { AppEnv } from "../server/app-env.js";
import type { InFlightRequests } from "../middleware/in-flight-requests.js";
import type { Transcriber } from "../../transcription/transcriber.js";
import type { TempFiles } from "../../upload/temp-files.js";
import { SERVER_REFUSALS, json, problemResponses } from "../contract/openapi.js";

const describeHealth = describeRoute({
  summary: "Liveness",
  tags: ["operations"],
  security: [],
  responses: { 200: json("The process answers", Health), ...problemResponses(SERVER_REFUSALS) },
});

const describeReadiness = describeRoute({
  summary: "Readiness",
  tags: ["operations"],
  security: [],
  responses: {
    200: json("Ready to take requests (event publishing may be degraded)", Readiness),
    503: json("Draining for shutdown, or the upload directory cannot be written", Readiness),
    ...problemResponses(SERVER_REFUSALS),
  },
});

export interface HealthDeps {
  transcriber: Transcriber;
  cleaner: Cleaner;
  publisher: EventPublisher;
  inFlight: InFlightRequests;
  tempFiles: TempFiles;
  /** The settings async jobs still need; empty when they are configured. */
  jobsMissing: string[];
}

/**
 * `/healthz`: the process answers (cheap, for the platform's liveness check). `/readyz`: what this
 * instance can do, from what was resolved at startup and the publisher's breaker (no call to AWS or the
 * providers per probe), plus a write probe of the upload directory; 503 while draining for shutdown or when
 * uploads cannot be written. A degraded event bus leaves it at 200: requests still succeed.
 */
export function healthRoutes(deps: HealthDeps) {
  const started = Date.now();
  const routes = new Hono<AppEnv>();
  routes.get("/healthz", describeHealth, (c) =>
    c.json({ status: "ok", uptime_s: Math.round((Date.now() - started) / 1000) }),
  );
  routes.get("/readyz", describeReadiness, async (c) => {
    const writable = await deps.tempFiles.writable();
    const status = deps.inFlight.draining ? "draining" : writable ? "ready" : "not_ready";
    return c.json(
      {
        status,
        config: "valid",
        transcription: {
          provider: deps.transcriber.provider,
          model: deps.transcriber.model,
          configured: deps.transcriber.configured,
          ...(deps.transcriber.missing !== undefined && { missing: deps.transcriber.missing }),
        },
        cleaner: deps.cleaner.name,
        events: { publishing: deps.publisher.state },
        uploads: { writable },
        jobs: {
          configured: deps.jobsMissing.length === 0,
          ...(deps.jobsMissing.length > 0 && { missing: deps.jobsMissing }),
        },
        in_flight: deps.inFlight.size,
      },
      status === "ready" ? 200 : 503,
    );
  });
  return routes;
}
