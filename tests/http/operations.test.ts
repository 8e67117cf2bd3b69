import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { COMPLETED_EVENT_SCHEMA_PATH } from "../../scripts/event-schema-file.js";
import { BatchResponse, Readiness } from "../../app/http/contract/api-schemas.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { createInFlightRequests } from "../../app/http/middleware/in-flight-requests.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const enabledPublisher = {
  state: "enabled" as const,
  publish: () => Promise.resolve({ status: "published" as const, eventId: "evt-1", attempts: 2 }),
};

describe("health and readiness", () => {
  it("/healthz answers cheaply that the process is alive", async () => {
    const { app } = await buildTestApp();
    const response = await app.request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", uptime_s: expect.any(Number) as unknown });
  });

  it.each([
    [
      "no keys and no AWS credentials",
      {},
      {
        transcription: { provider: "deepgram", configured: false },
        cleaner: "rules",
        events: { publishing: "disabled" },
        jobs: { configured: false, missing: ["UPLOAD_BUCKET", "WORK_QUEUE_URL", "JOBS_TABLE"] },
      },
    ],
    [
      "a Deepgram key and an AWS emulator",
      {
        transcriber: createDeepgramTranscriber({
          apiKey: "dg",
          baseUrl: "http://127.0.0.1:1",
          model: "nova-3",
          timeoutS: 5,
        }),
        publisher: enabledPublisher,
        jobs: memoryJobs(),
      },
      {
        transcription: { provider: "deepgram", model: "nova-3", configured: true },
        events: { publishing: "enabled" },
        jobs: { configured: true },
      },
    ],
  ])("/readyz with %s says what the instance can do", async (_, overrides, expected) => {
    const { app } = await buildTestApp({ cleaner: createRulesCleaner(), ...overrides });
    const response = await app.request("/readyz");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(v.is(Readiness, body)).toBe(true);
    expect(body).toMatchObject({ status: "ready", config: "valid", ...expected });
  });

  it("/readyz answers 503 while draining for shutdown", async () => {
    const inFlight = createInFlightRequests();
    const { app } = await buildTestApp({ inFlight });
    inFlight.startDraining();
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "draining" });
  });
});

describe("the API's documents", () => {
  it("/openapi.json is a valid OpenAPI 3.1 document describing POST /batch/process", async () => {
    const { app } = await buildTestApp();
    const document = (await (await app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            parameters: Array<{ name: string }>;
            requestBody: { content: Record<string, unknown> };
            responses: Record<string, unknown>;
          }
        >
      >;
    };
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
    const operation = document.paths["/batch/process"]?.post;
    expect(operation?.parameters.map((parameter) => parameter.name)).toEqual([
      "X-Tenant-ID",
      "X-User-ID",
      "X-Account-ID",
      "Prefer",
      "Idempotency-Key",
      "Accept",
      "language",
      "detect_language",
      "model",
      "keyterm",
      "redact",
      "diarize",
      "punctuate",
      "smart_format",
      "format",
      "max_line_chars",
      "max_lines",
    ]);
    expect(Object.keys(operation?.requestBody.content ?? {})).toEqual([
      "multipart/form-data",
      "audio/*",
      "video/*",
      "application/octet-stream",
      "text/vtt",
      "application/x-subrip",
      "text/plain",
    ]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([
      "200",
      "202",
      "400",
      "401",
      "403",
      "408",
      "409",
      "413",
      "415",
      "417",
      "422",
      "429",
      "431",
      "500",
      "502",
      "503",
      "504",
      "507",
    ]);
    expect(operation?.responses["413"]).toMatchObject({ content: { "application/problem+json": {} } });
    for (const method of ["get", "put", "patch", "delete"])
      expect(Object.keys(document.paths["/batch/process"]?.[method]?.responses ?? {})).toContain("405");
    expect(Object.keys(document.paths).sort()).toEqual([
      "/",
      "/app.js",
      "/batch/jobs",
      "/batch/jobs/{id}",
      "/batch/jobs/{id}/captions",
      "/batch/process",
      "/batch/subtitles",
      "/healthz",
      "/metrics",
      "/openapi.json",
      "/problems/{slug}",
      "/readyz",
      "/schemas/batch-processing-completed.v1.json",
      "/schemas/batch-processing-failed.v1.json",
    ]);
  });

  it("serves the event's JSON Schema exactly as committed", async () => {
    const { app } = await buildTestApp();
    const served = await (await app.request("/schemas/batch-processing-completed.v1.json")).json();
    expect(served).toEqual(JSON.parse(await readFile(COMPLETED_EVENT_SCHEMA_PATH, "utf8")));
  });

  it("answers uploads in the documented shape", async () => {
    const { app } = await buildTestApp({ publisher: enabledPublisher });
    const body = await (await postUpload(app, uploadForm("Um, hello."))).json();
    expect(v.parse(BatchResponse, body)).toMatchObject({ event: { status: "published", event_id: "evt-1" } });
  });
});

describe("metrics and the request log", () => {
  const sample = (text: string, line: string) => {
    const escaped = line.replace(/[{}"+.]/g, (c) => `\\${c}`);
    const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
    return match ? Number(match[1]) : 0;
  };

  it("counts what a known sequence of requests did", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let calls = 0;
    const publisher = {
      state: "enabled" as const,
      publish: () => {
        calls += 1;
        return Promise.resolve(
          calls === 1
            ? { status: "published" as const, eventId: "evt-1", attempts: 1 }
            : { status: "failed" as const, error: "ThrottlingException", attempts: 3 },
        );
      },
    };
    const { app, logs } = await buildTestApp({ metrics, publisher });
    await postUpload(app, uploadForm("Um, first.")); // 10 bytes
    await postUpload(app, uploadForm("Uh, second one.")); // 15 bytes
    await postUpload(app, uploadForm("")); // 400 empty file
    await postUpload(app, uploadForm(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))); // 415 PNG
    await app.request("/nowhere");

    const text = await (await app.request("/metrics")).text();
    expect(sample(text, 'http_requests_total{route="/batch/process",method="POST",status="200"}')).toBe(2);
    expect(sample(text, 'http_requests_total{route="/batch/process",method="POST",status="400"}')).toBe(1);
    expect(sample(text, 'http_requests_total{route="/batch/process",method="POST",status="415"}')).toBe(1);
    expect(sample(text, 'http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{route="/batch/process",method="POST"}')).toBe(4);
    expect(sample(text, "batch_upload_bytes_total")).toBe(10 + 15 + 12);
    expect(sample(text, 'batch_cleaner_runs_total{cleaner="rules"}')).toBe(2);
    expect(sample(text, 'batch_events_total{type="BatchProcessingCompleted",status="published",error_code=""}')).toBe(
      1,
    );
    expect(
      sample(
        text,
        'batch_events_total{type="BatchProcessingCompleted",status="failed",error_code="ThrottlingException"}',
      ),
    ).toBe(1);
    // The PNG was refused after its upload was accepted: its BatchProcessingFailed met the same throttling.
    expect(
      sample(text, 'batch_events_total{type="BatchProcessingFailed",status="failed",error_code="ThrottlingException"}'),
    ).toBe(1);
    expect(sample(text, "batch_event_publish_attempts_total")).toBe(1 + 3 + 3);

    const lines = logs.lines.filter((line) => line.msg === "request completed" && line.path !== "/metrics");
    expect(lines.map((line) => line.status)).toEqual([200, 200, 400, 415, 404]);
    expect(lines[1]).toMatchObject({
      method: "POST",
      path: "/batch/process",
      bytes: 15,
      cleaner: "rules",
      event_status: "failed",
      source: "captions",
      interaction_id: expect.any(String) as unknown,
      tenant_id: expect.any(String) as unknown,
      duration_ms: expect.any(Number) as unknown,
    });
  });

  it("records transcription time by provider and outcome", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { app } = await buildTestApp({ metrics });
    const wav = await readFile(new URL("../fixtures/audio/speech.wav", import.meta.url));
    await postUpload(app, uploadForm(wav));
    const text = await (await app.request("/metrics")).text();
    expect(
      sample(text, 'batch_transcription_duration_seconds_count{provider="deepgram",outcome="not_configured"}'),
    ).toBe(1);
  });
});
