import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonStream } from "../../app/http/server/streamed-json.js";

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

describe("jsonStream", () => {
  it("gives exactly JSON.stringify's text for any object, long strings included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          id: fc.uuid(),
          long: fc.oneof(
            fc.string({ unit: "grapheme", maxLength: 200 }),
            fc.string({ unit: "binary", minLength: 70_000, maxLength: 140_000 }),
          ),
          nested: fc.record({
            provider: fc.option(fc.string()),
            duration_s: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
          }),
        }),
        async (value) => {
          expect(await text(jsonStream(value))).toBe(JSON.stringify(value));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("keeps a surrogate pair that straddles a slice boundary whole", async () => {
    const value = { transcript: "a".repeat(64 * 1024 - 1) + "😀" + "b".repeat(70_000) };
    const served = await text(jsonStream(value));
    expect(served).toBe(JSON.stringify(value));
    expect((JSON.parse(served) as typeof value).transcript).toBe(value.transcript);
  });
});
