import { Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";
import { completedEventJsonSchema, failedEventJsonSchema } from "../../events/event-json-schema.js";
import type { AppEnv } from "../app-env.js";
import { describeEventSchema, describeFailedEventSchema, describeOpenApi } from "../openapi.js";

/** `GET /openapi.json`, generated from the routes' descriptions and the schemas above; and the event's schema. */
export function documentationRoutes(app: Hono<AppEnv>) {
  const routes = new Hono<AppEnv>();
  routes.get(
    "/openapi.json",
    describeOpenApi,
    openAPIRouteHandler(app, {
      documentation: {
        openapi: "3.1.0",
        info: {
          title: "Batch transcription service",
          version: "1.0.0",
          description:
            "Upload a recorded meeting; get its raw and cleaned transcripts, at once or as an async job; downstream consumers get a BatchProcessingCompleted (or BatchProcessingFailed) event. Every refusal is `application/problem+json`; a path that does not exist answers 404 `not_found`.",
          license: { name: "UNLICENSED" },
        },
        servers: [{ url: "/", description: "This service" }],
        // No authentication: identity comes from the trusted headers described on each operation.
        security: [],
      },
      // Our documents end in `.json`; they are routes like any other, not static files.
      excludeStaticFile: false,
    }),
  );
  routes.get("/schemas/batch-processing-completed.v1.json", describeEventSchema, (c) => c.json(completedEventJsonSchema()));
  routes.get("/schemas/batch-processing-failed.v1.json", describeFailedEventSchema, (c) => c.json(failedEventJsonSchema()));
  return routes;
}
