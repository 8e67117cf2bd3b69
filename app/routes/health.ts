import { Hono } from "hono";
import type { Cleaner } from "../cleaning/cleaner.js";
import type { EventPublisher } from "../events/event-publisher.js";
import type { AppEnv } from "../http/app-env.js";
import type { InFlightRequests } from "../lifecycle/in-flight-requests.js";
import type { Transcriber } from "../transcription/transcriber.js";
import { describeHealth, describeReadiness } from "./openapi.js";

export interface HealthDeps {
  transcriber: Transcriber;
  cleaner: Cleaner;
  publisher: EventPublisher;
  inFlight: InFlightRequests;
}

/**
 * `/healthz`: the process answers (cheap, for the platform's liveness check). `/readyz`: what this
 * instance can do, from what was resolved at startup (no call to AWS or the providers per probe); 503
 * while draining for shutdown.
 */
export function healthRoutes(deps: HealthDeps) {
  const started = Date.now();
  const routes = new Hono<AppEnv>();
  routes.get("/healthz", describeHealth, (c) => c.json({ status: "ok", uptime_s: Math.round((Date.now() - started) / 1000) }));
  routes.get("/readyz", describeReadiness, (c) =>
    c.json(
      {
        status: deps.inFlight.draining ? "draining" : "ready",
        config: "valid",
        transcription: {
          provider: deps.transcriber.provider,
          model: deps.transcriber.model,
          configured: deps.transcriber.configured,
        },
        cleaner: deps.cleaner.name,
        events: { publishing: deps.publisher.enabled ? "enabled" : "disabled" },
        in_flight: deps.inFlight.size,
      },
      deps.inFlight.draining ? 503 : 200,
    ),
  );
  return routes;
}
