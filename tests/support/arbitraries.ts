import fc from "fast-check";

/** Transcripts as they come: empty, any unicode, long, multi-line. */
export const transcriptArb = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.array(fc.lorem({ maxCount: 30 }), { maxLength: 10 }).map((lines) => lines.join("\n")),
  fc.lorem({ maxCount: 3000, mode: "sentences" }),
);

export const contextArb = fc.record({
  interactionId: fc.uuid({ version: 4 }),
  tenantId: fc.uuid({ version: 4 }),
  userId: fc.string({ minLength: 1, maxLength: 256 }),
  accountId: fc.option(fc.string({ minLength: 1, maxLength: 256 }), { nil: null }),
});
