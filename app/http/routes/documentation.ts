import { Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";
import { completedEventJsonSchema, failedEventJsonSchema } from "../../events/event-json-schema.js";
import type { AppEnv } from "../server/app-env.js";
import type { AuthMode } from "../../auth/authenticator.js";
import type { OpenAPIV3_1 } from "openapi-types";
import { describeDocument } from "../contract/openapi.js";

const describeOpenApi = describeDocument("This document", "documentation", "OpenAPI 3.1", "application/json", {
  type: "object",
});

const describeEventSchema = describeDocument(
  "The BatchProcessingCompleted event's JSON Schema (v1)",
  "documentation",
  "JSON Schema 2020-12",
  "application/json",
  { type: "object" },
);

const describeFailedEventSchema = describeDocument(
  "The BatchProcessingFailed event's JSON Schema (v1)",
  "documentation",
  "JSON Schema 2020-12",
  "application/json",
  { type: "object" },
);

/** How the verified modes are declared: a bearer JWT, or an API key as a bearer credential or `X-API-Key`. */
const SECURITY: Record<
  AuthMode,
  { schemes: Record<string, OpenAPIV3_1.SecuritySchemeObject>; requirement: Array<Record<string, string[]>> }
> = {
  headers: { schemes: {}, requirement: [] },
  jwt: {
    schemes: {
      bearerJwt: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "A JWT from the configured issuer; the tenant is its tenant claim",
      },
    },
    requirement: [{ bearerJwt: [] }],
  },
  "api-key": {
    schemes: {
      bearerApiKey: { type: "http", scheme: "bearer", description: "An API key from `npm run api-key`" },
      apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The same API key, as a header" },
    },
    requirement: [{ bearerApiKey: [] }, { apiKeyHeader: [] }],
  },
};

/** `GET /openapi.json`, generated from the routes' descriptions and the schemas above; and the events' schemas. */
export function documentationRoutes(app: Hono<AppEnv>, authMode: AuthMode) {
  const security = SECURITY[authMode];
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
            "Upload a recorded meeting; get its raw and cleaned transcripts, at once or as an async " +
            "job; downstream consumers get a BatchProcessingCompleted (or BatchProcessingFailed) " +
            "event. Every refusal is `application/problem+json`; a path that does not exist answers " +
            "404 `not_found`.",
          license: { name: "UNLICENSED" },
        },
        servers: [{ url: "/", description: "This service" }],
        // `headers` mode: no authentication, identity comes from the trusted headers described on each
        // operation. The verified modes: the credential, on every route that does not declare itself open.
        security: security.requirement,
        ...(authMode !== "headers" && { components: { securitySchemes: security.schemes } }),
      },
      // Our documents end in `.json`; they are routes like any other, not static files.
      excludeStaticFile: false,
    }),
  );
  routes.get("/schemas/batch-processing-completed.v1.json", describeEventSchema, (c) =>
    c.json(completedEventJsonSchema()),
  );
  routes.get("/schemas/batch-processing-failed.v1.json", describeFailedEventSchema, (c) =>
    c.json(failedEventJsonSchema()),
  );
  return routes;
}
