import type { Config } from "../config/config.js";
import type { Logger } from "../logger.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";
import { createBatchPipeline, type BatchPipeline } from "../pipeline/batch-pipeline.js";
import { buildAdapters, type Adapters } from "./adapters.js";

/** The adapters with what is built over them: the one pipeline and the metrics it reports to. */
export interface Services extends Adapters {
  pipeline: BatchPipeline;
  metrics: Metrics;
}

export interface ComposeOptions {
  maxCaptionsBytes: number;
  /** A registry of its own per app in tests; the process's metrics with Node's defaults otherwise. */
  metrics?: Metrics;
  now?: () => Date;
}

/** Builds the pipeline over the adapters: the one place it is built, for the server, the worker and tests. */
export function composeServices(adapters: Adapters, options: ComposeOptions): Services {
  const metrics = options.metrics ?? createMetrics({ publishingState: () => adapters.publisher.state });
  const pipeline = createBatchPipeline({
    transcriber: adapters.transcriber,
    cleaner: adapters.cleaner,
    publisher: adapters.publisher,
    observer: metrics.observer,
    maxCaptionsBytes: options.maxCaptionsBytes,
    textWork: adapters.textWork,
    optionPolicy: adapters.optionPolicy,
    claimCheck: adapters.claimCheck,
    ...(options.now && { now: options.now }),
  });
  return { ...adapters, pipeline, metrics };
}

/** The composition root: every adapter from config, once, and the pipeline over them. */
export async function buildServices(config: Config, logger: Logger): Promise<Services> {
  return composeServices(await buildAdapters(config, logger), { maxCaptionsBytes: config.maxCaptionsBytes });
}
