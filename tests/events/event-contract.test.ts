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

const exampleInput = {
  interactionId: "550e8400-e29b-41d4-a716-446655440000",
  tenantId: "660e8400-e29b-41d4-a716-446655440000",
  userId: "user@example.com",
  accountId: "acc_12345",
  rawTranscript: "This is the raw transcript...",
  cleanedTranscript: "This is the cleaned transcript...",
  completedAt: new Date("2024-12-19T10:30:00.000Z"),
};
const example = buildCompletedEvent(exampleInput);

/** The design's example, as 1.0 events were (and ones still in flight are) published. */
const designExample = {
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
};

const spanishDetails = {
  language: { code: "es", detected: true, confidence: 0.93 },
  confidence: 0.91,
  options: {
    model: "nova-3",
    language: null,
    detect_language: true,
    keyterm: ["Acme"],
    redact: ["pci" as const],
    diarize: true,
    punctuate: true,
    smart_format: true,
  },
  words: [
    { word: "hola", punctuated_word: "Hola,", start: 0.1, end: 0.4, confidence: 0.99, speaker: "Speaker 0" },
    { word: "acme", punctuated_word: "Acme.", start: 0.5, end: 0.9, confidence: 0.87, speaker: "Speaker 0" },
  ],
};

describe("BatchProcessingCompleted v1", () => {
  it("reads the design's 1.0 example as it always did", () => {
    expect(parseCompletedEvent(designExample)).toEqual(designExample);
    expect(validateWithJsonSchema(designExample)).toBe(true);
  });

  it("is published as 1.2: the design's example with the transcript's language, confidence and options", () => {
    expect(example).toEqual({
      ...designExample,
      version: "1.2",
      data: { ...designExample.data, language: null, confidence: null, options: null },
    });
    const detailed = buildCompletedEvent({ ...exampleInput, ...spanishDetails });
    expect(detailed.data).toEqual({ ...designExample.data, ...spanishDetails });
    expect(parseCompletedEvent(JSON.parse(JSON.stringify(detailed)))).toEqual(detailed);
    expect(validateWithJsonSchema(detailed)).toBe(true);
  });

  it("routes every detail type from the service's source", () => {
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
        fc.option(fc.constant(spanishDetails), { nil: undefined }),
        (context, raw, cleaned, at, details) => {
          const detail = buildCompletedEvent({
            ...context,
            rawTranscript: raw,
            cleanedTranscript: cleaned,
            completedAt: at,
            ...details,
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
    ["version 1.0 with 1.2's details", { ...example, version: "1.0" }],
    ["version 1.2 without its details", { ...designExample, version: "1.2" }],
    ["version 1.3 with inline transcripts", { ...example, version: "1.3" }],
    ["a word without timings", { ...example, data: { ...example.data, words: [{ word: "a", punctuated_word: "A" }] } }],
    [
      "an unknown redaction",
      { ...example, data: { ...example.data, options: { ...spanishDetails.options, redact: ["ssn"] } } },
    ],
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

describe("BatchProcessingCompleted v1.3: the claim check", () => {
  it("reads a 1.1 claim check as it always did", () => {
    const { data: _inline, ...sameFields } = designExample;
    const legacy = { ...sameFields, version: "1.1", data: { transcripts_ref: reference } };
    expect(parseCompletedEvent(legacy)).toEqual(legacy);
    expect(validateWithJsonSchema(legacy)).toBe(true);
  });

  it("keeps every field of 1.2 but the transcripts and words, which become a reference; both schemas accept it", () => {
    const detailed = buildCompletedEvent({ ...exampleInput, ...spanishDetails });
    const checked = claimChecked(detailed, reference);
    const { data: _inline, version: _v, ...sameFields } = detailed;
    const { words: _words, ...details } = spanishDetails;
    expect(checked).toEqual({ ...sameFields, version: "1.3", data: { transcripts_ref: reference, ...details } });
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
    options: spanishDetails.options,
    failedAt: new Date("2024-12-19T10:30:00.000Z"),
  });
  /** A failure as 1.0 events were (and ones still in flight are) published: no options. */
  const { options: _options, ...withoutOptions } = failed;
  const firstVersion = { ...withoutOptions, version: "1.0" };

  it("is published as 1.1: who, when, the error's stable code, message and stage, and what the provider was asked", () => {
    expect(failed).toEqual({
      version: "1.1",
      interaction_id: "550e8400-e29b-41d4-a716-446655440000",
      tenant_id: "660e8400-e29b-41d4-a716-446655440000",
      user_id: "user@example.com",
      account_id: null,
      timestamp: "2024-12-19T10:30:00.000Z",
      status: "failed",
      error: { code: "provider_failed", message: "Deepgram answered 401.", stage: "transcription" },
      options: spanishDetails.options,
    });
    expect(detailTypeOf(failed)).toBe(FAILED_DETAIL_TYPE);
    expect(parseFailedEvent(failed)).toEqual(failed);
    expect(validateFailedWithJsonSchema(failed)).toBe(true);
  });

  it("still reads 1.0 as it always was, in both schemas", () => {
    expect(parseFailedEvent(firstVersion)).toEqual(firstVersion);
    expect(validateFailedWithJsonSchema(firstVersion)).toBe(true);
  });

  it("validates every failure the service can build, in both schemas", () => {
    fc.assert(
      fc.property(
        contextArb,
        fc.constantFrom(...FAILURE_CODES),
        fc.constantFrom(...FAILURE_STAGES),
        fc.string({ maxLength: 2000 }),
        fc.constantFrom(null, spanishDetails.options),
        (context, code, stage, message, options) => {
          const detail = buildFailedEvent({ ...context, code, stage, message, options, failedAt: new Date() });
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
    ["1.1 without its options", withoutOptions],
    ["options on a 1.0 event", { ...failed, version: "1.0" }],
    ["options that are not transcription options", { ...failed, options: { model: 7 } }],
  ])("rejects %s in both schemas", (_, detail) => {
    expect(() => parseFailedEvent(detail)).toThrow();
    expect(validateFailedWithJsonSchema(detail)).toBe(false);
  });
});
