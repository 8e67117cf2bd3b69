import { Hono } from "hono";
import type { Cleaner } from "./cleaning/cleaner.js";
import type { EventPublisher } from "./events/event-publisher.js";
import { identity, interaction } from "./context/request-context-middleware.js";
import type { IdentityDefaults } from "./context/request-context.js";
import { accessLog } from "./http/access-log.js";
import type { AppEnv } from "./http/app-env.js";
import { handleError, problemResponse } from "./http/error-handler.js";
import type { Logger } from "./logger.js";
import { createBatchPipeline } from "./pipeline/batch-pipeline.js";
import { ApiError } from "./problem.js";
import { batchRoutes } from "./routes/batch.js";
import type { Transcriber } from "./transcription/transcriber.js";

export interface AppDeps {
  logger: Logger;
  transcriber: Transcriber;
  cleaner: Cleaner;
  publisher: EventPublisher;
  identityDefaults: IdentityDefaults;
  maxUploadBytes: number;
  maxCaptionsBytes: number;
  uploadDir: string;
  newId?: () => string;
  now?: () => Date;
}

/** Builds the HTTP app from its dependencies; never listens, so tests build it with fakes. */
export function createApp(deps: AppDeps) {
  const pipeline = createBatchPipeline({
    transcriber: deps.transcriber,
    cleaner: deps.cleaner,
    publisher: deps.publisher,
    maxCaptionsBytes: deps.maxCaptionsBytes,
    ...(deps.now && { now: deps.now }),
  });
  const newId = deps.newId;

  const app = new Hono<AppEnv>();
  app.use(interaction({ logger: deps.logger, ...(newId && { newId }) }));
  app.use(accessLog());
  app.use("/batch/*", identity({ defaults: deps.identityDefaults, ...(newId && { newId }) }));
  app.route(
    "/batch",
    batchRoutes({ pipeline, maxUploadBytes: deps.maxUploadBytes, uploadDir: deps.uploadDir }),
  );
  app.notFound((c) => problemResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
