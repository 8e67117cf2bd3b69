import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CleanedBy, TranscriptionProvider } from "../domain/names.js";

/**
 * How often the event loop's delay is sampled (prom-client's default). Its `nodejs_eventloop_lag_*` values
 * are the time between samples, so they include this: an idle loop reads about 10 ms, not 0.
 */
export const EVENT_LOOP_SAMPLING_MS = 10;
import type { PublishingState, PublishOutcome } from "../events/event-publisher.js";
import type { TranscriptDetailType } from "../events/transcript-events.js";
import type { AuthFailureReason } from "../auth/authenticator.js";

/** The upload pacing as it stands (`app/http/server/upload-pacing.ts`), read when `/metrics` is scraped. */
export interface UploadPacingState {
  active: number;
  waiting: number;
  limit: number;
}

/** What the pipeline reports as it runs; the metrics implement it, tests can too. */
export interface PipelineObserver {
  uploadReceived(bytes: number): void;
  transcribed(
    provider: TranscriptionProvider,
    /**
     * Refusals after the provider answered, not its failures: `too_large`, more than `MAX_PROVIDER_ANSWER_BYTES`
     * (the recording's doing); `too_busy` and `tenant_too_busy`, no room in the text budget to read it.
     */
    outcome: "ok" | "failed" | "timeout" | "not_configured" | "too_large" | "too_busy" | "tenant_too_busy",
    seconds: number,
  ): void;
  cleaned(cleaner: CleanedBy): void;
  published(type: TranscriptDetailType, outcome: PublishOutcome): void;
}

/**
 * The service's Prometheus metrics, on a registry of its own (never the global one), so each app built in a
 * test has its own counts.
 */
export function createMetrics({
  defaultMetrics = true,
  publishingState,
}: { defaultMetrics?: boolean; publishingState?: () => PublishingState } = {}) {
  const registry = new Registry();
  if (defaultMetrics)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLING_MS });
  const registers = [registry];

  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers,
  });
  const requestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, upload and processing included",
    labelNames: ["route", "method"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers,
  });
  const uploadBytes = new Counter({ name: "batch_upload_bytes_total", help: "Bytes of accepted uploads", registers });
  const transcriptionDuration = new Histogram({
    name: "batch_transcription_duration_seconds",
    help: "Time spent transcribing audio, by provider and outcome",
    labelNames: ["provider", "outcome"] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers,
  });
  const cleanerRuns = new Counter({
    name: "batch_cleaner_runs_total",
    help: "Transcripts cleaned, by the cleaner that produced them",
    labelNames: ["cleaner"] as const,
    registers,
  });
  const events = new Counter({
    name: "batch_events_total",
    help: "Transcript events (BatchProcessingCompleted, BatchProcessingFailed), by type and what became of them",
    labelNames: ["type", "status", "error_code"] as const,
    registers,
  });
  const authFailures = new Counter({
    name: "batch_auth_failures_total",
    help: "Requests refused for their credential (401, 403, or 503 when it could not be checked), by reason",
    labelNames: ["reason"] as const,
    registers,
  });
  const replays = new Counter({
    name: "batch_idempotent_replays_total",
    help: "Requests answered from an Idempotency-Key's record instead of being processed again",
    registers,
  });
  const publishAttempts = new Counter({
    name: "batch_event_publish_attempts_total",
    help: "PutEvents calls made to publish events, retries included",
    registers,
  });

  const uploadWait = new Histogram({
    name: "batch_upload_wait_seconds",
    help: "Time an upload waited for its turn, unread, while the event loop was behind (0 when it had room)",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers,
  });
  let pacing: (() => UploadPacingState) | undefined;
  const pacingGauge = (name: string, help: string, read: (state: UploadPacingState) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (pacing !== undefined) this.set(read(pacing()));
      },
    });
  pacingGauge("batch_uploads_in_progress", "Uploads being worked on now", (state) => state.active);
  pacingGauge(
    "batch_uploads_waiting",
    "Uploads waiting for their turn while the event loop is behind",
    (state) => state.waiting,
  );
  pacingGauge(
    "batch_upload_pacing_limit",
    "How many uploads the event loop's lateness lets be worked on at once now (MAX_CONCURRENT_REQUESTS when on time)",
    (state) => state.limit,
  );

  if (publishingState !== undefined) {
    const states: PublishingState[] = ["enabled", "degraded", "disabled"];
    new Gauge({
      name: "batch_event_publishing_state",
      help: "Event publishing: 1 for the current state (degraded while the circuit breaker is open)",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const current = publishingState();
        for (const state of states) this.set({ state }, state === current ? 1 : 0);
      },
    });
  }

  const observer: PipelineObserver = {
    uploadReceived: (bytes) => uploadBytes.inc(bytes),
    transcribed: (provider, outcome, seconds) => transcriptionDuration.observe({ provider, outcome }, seconds),
    cleaned: (cleaner) => cleanerRuns.inc({ cleaner }),
    published: (type, outcome) => {
      events.inc({ type, status: outcome.status, error_code: outcome.status === "published" ? "" : outcome.error });
      if (outcome.status !== "disabled") publishAttempts.inc(outcome.attempts);
    },
  };

  return {
    registry,
    observer,
    /** Where the pacing gauges read from: the app that paces its uploads (the last one built, in tests). */
    watchUploadPacing(state: () => UploadPacingState) {
      pacing = state;
    },
    uploadAdmitted(waitedSeconds: number) {
      uploadWait.observe(waitedSeconds);
    },
    idempotentReplay() {
      replays.inc();
    },
    authFailed(reason: AuthFailureReason) {
      authFailures.inc({ reason });
    },
    requestAnswered(route: string, method: string, status: number, seconds: number) {
      const label = methodLabel(method);
      requests.inc({ route, method: label, status: String(status) });
      requestDuration.observe({ route, method: label }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The methods a label may name; any other the parser accepts is `other`, so a client cannot add series. */
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const methodLabel = (method: string) => (KNOWN_METHODS.has(method) ? method : "other");
