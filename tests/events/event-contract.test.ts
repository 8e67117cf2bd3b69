import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildCompletedEvent,
  claimChecked,
  DETAIL_TYPE,
  parseCompletedEvent,
} from "../../app/events/batch-processing-completed.js";
import {
  buildFailedEvent,
  FAILED_DETAIL_TYPE,
  FAILURE_STAGES,
  parseFailedEvent,
} from "../../app/events/batch-processing-failed.js";
import { completedEventJsonSchema, failedEventJsonSchema } from "../../app/events/event-json-schema.js";
import { detailTypeOf, transcriptEventsPattern } from "../../app/events/transcript-events.js";
import { FAILURE_CODES } from "../../app/domain/failures.js";
import { COMPLETED_EVENT_SCHEMA_PATH, FAILED_EVENT_SCHEMA_PATH } from "../../scripts/event-schema-file.js";
import { contextArb, transcriptArb } from "../support/arbitraries.js";

const committedSchema = JSON.parse(await readFile(COMPLETED_EVENT_SCHEMA_PATH, "utf8")) as Record<string, unknown>;
const committedFailedSchema = JSON.parse(await readFile(FAILED_EVENT_SCHEMA_PATH, "utf8")) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: true });
const validateWithJsonSchema = ajv.compile(committedSchema);
const validateFailedWithJsonSchema = ajv.compile(committedFailedSchema);

const example = buildCompletedEvent({
  interactionId: "550e8400-e29b-41d4-a716-446655440000",
  tenantId: "660e8400-e29b-41d4-a716-446655440000",
  userId: "user@example.com",
  accountId: "acc_12345",
  rawTranscript: "This is the raw transcript...",
  cleanedTranscript: "This is the cleaned transcript...",
  completedAt: new Date("2024-12-19T10:30:00.000Z"),
});

describe("BatchProcessingCompleted v1", () => {
  it("is shaped exactly as the design's example", () => {
    expect(example).toEqual({
      version: "1.0",
      interaction_id: "550e8400-e29b-41d4-a716-446655440000",
      tenant_id: "660e8400-e29b-41d4-a716-446655440000",
      user_id: "user@example.com",
      account_id: "acc_12345",
      timestamp: "2024-12-19T10:30:00.000Z",
      status: "completed",
      data: {
        cleaned_transcript: "This is the cleaned transcript...",
        raw_transcript: "This is the raw transcript...",
      },
    });
    expect(transcriptEventsPattern()).toEqual({
      source: ["com.yourapp.transcription"],
      "detail-type": [DETAIL_TYPE, FAILED_DETAIL_TYPE],
    });
  });

  it("has committed JSON Schemas that match the valibot schemas (run `npm run schemas` after a change)", () => {
    expect(committedSchema).toEqual(completedEventJsonSchema());
    expect(committedFailedSchema).toEqual(failedEventJsonSchema());
  });

  it("validates every event the service can build, in both schemas (Property 1)", () => {
    fc.assert(
      fc.property(
        contextArb,
        transcriptArb,
        transcriptArb,
        fc.date({ min: new Date(0), max: new Date("9999-12-31"), noInvalidDate: true }),
        (context, raw, cleaned, at) => {
          const detail = buildCompletedEvent({
            ...context,
            rawTranscript: raw,
            cleanedTranscript: cleaned,
            completedAt: at,
          });
          expect(parseCompletedEvent(JSON.parse(JSON.stringify(detail)))).toEqual(detail);
          expect(validateWithJsonSchema(detail)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ["an extra field", { ...example, extra: 1 }],
    ["an extra data field", { ...example, data: { ...example.data, summary: "x" } }],
    ["a missing account_id", (({ account_id: _, ...rest }) => rest)(example)],
    ["a tenant id that is not UUID v4", { ...example, tenant_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8" }],
    ["an upper-case interaction id", { ...example, interaction_id: example.interaction_id.toUpperCase() }],
    ["a timestamp without milliseconds", { ...example, timestamp: "2024-12-19T10:30:00Z" }],
    ["a timestamp with an offset", { ...example, timestamp: "2024-12-19T10:30:00.000+01:00" }],
    ["another version", { ...example, version: "2.0" }],
    ["version 1.1 with inline transcripts", { ...example, version: "1.1" }],
    ["version 1.0 with a reference", { ...claimChecked(example, reference), version: "1.0" }],
    [
      "a reference and inline transcripts together",
      { ...claimChecked(example, reference), data: { ...example.data, transcripts_ref: reference } },
    ],
    ["a reference with a short sha256", claimChecked(example, { ...reference, sha256: "abc" })],
    [
      "a reference without its key",
      { ...example, version: "1.1", data: { transcripts_ref: (({ key: _, ...rest }) => rest)(reference) } },
    ],
    ["another status", { ...example, status: "failed" }],
    ["an empty user id", { ...example, user_id: "" }],
    ["a transcript that is not a string", { ...example, data: { ...example.data, raw_transcript: null } }],
  ])("rejects %s in both schemas", (_, detail) => {
    expect(() => parseCompletedEvent(detail)).toThrow();
    expect(validateWithJsonSchema(detail)).toBe(false);
  });
});

const reference = {
  bucket: "transcripts-uploads",
  key: "transcripts/660e8400-e29b-41d4-a716-446655440000/550e8400-e29b-41d4-a716-446655440000.json",
  bytes: 3_145_800,
  sha256: "a".repeat(64),
  raw_bytes: 1_572_864,
  cleaned_bytes: 1_572_864,
};

describe("BatchProcessingCompleted v1.1: the claim check", () => {
  it("keeps every field of 1.0 but the transcripts, which become a reference; both schemas accept it", () => {
    const checked = claimChecked(example, reference);
    const { data: _inline, version: _v, ...sameFields } = example;
    expect(checked).toEqual({ ...sameFields, version: "1.1", data: { transcripts_ref: reference } });
    expect(parseCompletedEvent(JSON.parse(JSON.stringify(checked)))).toEqual(checked);
    expect(validateWithJsonSchema(checked)).toBe(true);
    expect(detailTypeOf(checked)).toBe(DETAIL_TYPE);
  });
});

describe("BatchProcessingFailed v1", () => {
  const failed = buildFailedEvent({
    interactionId: "550e8400-e29b-41d4-a716-446655440000",
    tenantId: "660e8400-e29b-41d4-a716-446655440000",
    userId: "user@example.com",
    accountId: null,
    code: "provider_failed",
    message: "Deepgram answered 401.",
    stage: "transcription",
    failedAt: new Date("2024-12-19T10:30:00.000Z"),
  });

  it("names who, when, and the error's stable code, message and stage", () => {
    expect(failed).toEqual({
      version: "1.0",
      interaction_id: "550e8400-e29b-41d4-a716-446655440000",
      tenant_id: "660e8400-e29b-41d4-a716-446655440000",
      user_id: "user@example.com",
      account_id: null,
      timestamp: "2024-12-19T10:30:00.000Z",
      status: "failed",
      error: { code: "provider_failed", message: "Deepgram answered 401.", stage: "transcription" },
    });
    expect(detailTypeOf(failed)).toBe(FAILED_DETAIL_TYPE);
  });

  it("validates every failure the service can build, in both schemas", () => {
    fc.assert(
      fc.property(
        contextArb,
        fc.constantFrom(...FAILURE_CODES),
        fc.constantFrom(...FAILURE_STAGES),
        fc.string({ maxLength: 2000 }),
        (context, code, stage, message) => {
          const detail = buildFailedEvent({ ...context, code, stage, message, failedAt: new Date() });
          expect(parseFailedEvent(JSON.parse(JSON.stringify(detail)))).toEqual(detail);
          expect(validateFailedWithJsonSchema(detail)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ["an unknown code", { ...failed, error: { ...failed.error, code: "boom" } }],
    ["an unknown stage", { ...failed, error: { ...failed.error, stage: "cleaning" } }],
    ["transcripts", { ...failed, data: { raw_transcript: "x", cleaned_transcript: "x" } }],
    ["status completed", { ...failed, status: "completed" }],
    ["no error", (({ error: _, ...rest }) => rest)(failed)],
  ])("rejects %s in both schemas", (_, detail) => {
    expect(() => parseFailedEvent(detail)).toThrow();
    expect(validateFailedWithJsonSchema(detail)).toBe(false);
  });
});
