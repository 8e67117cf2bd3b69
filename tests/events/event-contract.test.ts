import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildCompletedEvent,
  completedEventPattern,
  DETAIL_TYPE,
  parseCompletedEvent,
} from "../../app/events/batch-processing-completed.js";
import { completedEventJsonSchema } from "../../app/events/event-json-schema.js";
import { COMPLETED_EVENT_SCHEMA_PATH } from "../../scripts/event-schema-file.js";
import { contextArb, transcriptArb } from "../support/arbitraries.js";

const committedSchema = JSON.parse(await readFile(COMPLETED_EVENT_SCHEMA_PATH, "utf8")) as Record<string, unknown>;
const validateWithJsonSchema = new Ajv2020({ strict: true }).compile(committedSchema);

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
      data: { cleaned_transcript: "This is the cleaned transcript...", raw_transcript: "This is the raw transcript..." },
    });
    expect(completedEventPattern()).toEqual({ source: ["com.yourapp.transcription"], "detail-type": [DETAIL_TYPE] });
  });

  it("has a committed JSON Schema that matches the valibot schema (run `npm run schemas` after a change)", () => {
    expect(committedSchema).toEqual(completedEventJsonSchema());
  });

  it("validates every event the service can build, in both schemas (Property 1)", () => {
    fc.assert(
      fc.property(contextArb, transcriptArb, transcriptArb, fc.date({ min: new Date(0), max: new Date("9999-12-31"), noInvalidDate: true }), (context, raw, cleaned, at) => {
        const detail = buildCompletedEvent({ ...context, rawTranscript: raw, cleanedTranscript: cleaned, completedAt: at });
        expect(parseCompletedEvent(JSON.parse(JSON.stringify(detail)))).toEqual(detail);
        expect(validateWithJsonSchema(detail)).toBe(true);
      }),
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
    ["another status", { ...example, status: "failed" }],
    ["an empty user id", { ...example, user_id: "" }],
    ["a transcript that is not a string", { ...example, data: { ...example.data, raw_transcript: null } }],
  ])("rejects %s in both schemas", (_, detail) => {
    expect(() => parseCompletedEvent(detail)).toThrow();
    expect(validateWithJsonSchema(detail)).toBe(false);
  });
});
