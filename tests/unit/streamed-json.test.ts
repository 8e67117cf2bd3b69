import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { type AnswerBody, ANSWER_CHUNK_BYTES, jsonBody, textBody } from "../../app/http/server/streamed-json.js";
import { splicedJson } from "../../app/http/server/spliced-json.js";
import { jsonText } from "../../app/text/json-pieces.js";

const text = (body: AnswerBody) => new Response(body).text();

/** A body that must be a stream (a long answer). */
function streamed(body: AnswerBody): ReadableStream<Uint8Array> {
  if (body instanceof Uint8Array) throw new Error(`expected a stream, got ${body.length} bytes whole`);
  return body;
}

/** The sizes of the chunks a stream gives, in order. */
async function chunkSizes(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const sizes: number[] = [];
  for await (const chunk of stream) sizes.push(chunk.length);
  return sizes;
}

describe("jsonBody", () => {
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
          expect(await text(jsonBody(value))).toBe(JSON.stringify(value));
          // The recorded answer of a keyed request: the same text, as one string.
          expect(await jsonText(value)).toBe(JSON.stringify(value));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("gives exactly JSON.stringify's text for long arrays, written a slice of elements at a time", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_990, max: 6_100 }),
        fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)), { minLength: 1, maxLength: 5 }),
        async (length, elements) => {
          const value = { utterances: Array.from({ length }, (_, index) => elements[index % elements.length]), n: 1 };
          expect(await text(jsonBody(value))).toBe(JSON.stringify(value));
          expect(await jsonText(value)).toBe(JSON.stringify(value));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps a surrogate pair that straddles a slice boundary whole", async () => {
    const value = { transcript: "a".repeat(64 * 1024 - 1) + "😀" + "b".repeat(70_000) };
    const served = await text(jsonBody(value));
    expect(served).toBe(JSON.stringify(value));
    expect((JSON.parse(served) as typeof value).transcript).toBe(value.transcript);
  });

  it("gives a short answer whole (sent with its Content-Length, in one write) and a longer one as a stream", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * ANSWER_CHUNK_BYTES }),
        fc.constantFrom("w", "é", "日"),
        async (length, letter) => {
          const value = { id: "a", transcript: letter.repeat(length) };
          const body = jsonBody(value);
          expect(body instanceof Uint8Array).toBe(Buffer.byteLength(JSON.stringify(value)) <= ANSWER_CHUNK_BYTES);
          expect(await text(body)).toBe(JSON.stringify(value));
          if (!(body instanceof Uint8Array)) {
            const sizes = await chunkSizes(streamed(jsonBody(value)));
            expect(Math.max(...sizes)).toBeLessThanOrEqual(ANSWER_CHUNK_BYTES);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("gives a short answer's fields as one piece, not a chunk per field (each chunk is a write to the socket)", async () => {
    const value = {
      interaction_id: "7d0d6a59-6a43-4e5b-9f0c-4f7c2b9f7f7e",
      transcript: "Alice: hello there.",
      cleaned_transcript: "Alice: Hello there.",
      utterances: [{ speaker: "Alice", start: 0, end: 1.5, text: "hello there" }],
      metadata: { provider: null, duration_s: 1.5 },
      event_published: true,
    };
    const body = jsonBody(value);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(body).toHaveLength(Buffer.byteLength(JSON.stringify(value)));
    expect(await text(body)).toBe(JSON.stringify(value));
  });

  it("hands out no chunk over 64 KiB, however big one field is (a slow reader's progress is counted per chunk)", async () => {
    const words = Array.from({ length: 40_000 }, (_, i) => ({ word: `w${i}`, start: i / 3, end: i / 3 + 0.25 }));
    const value = { transcript: "日本語".repeat(60_000), words };
    const sizes = await chunkSizes(streamed(jsonBody(value)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(ANSWER_CHUNK_BYTES);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(Buffer.byteLength(JSON.stringify(value)));
    expect(await text(jsonBody(value))).toBe(JSON.stringify(value));
  });
});

/** The bytes of `text` cut at the given points: how a stored object arrives from the bucket. */
function arriving(text: string, cuts: number[]): Readable {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [0, ...points, bytes.length].flatMap((start, i, all) =>
    i + 1 < all.length && all[i + 1]! > start ? [bytes.subarray(start, all[i + 1])] : [],
  );
  return Readable.from(pieces);
}

describe("textBody", () => {
  it("sends any text whole, in pieces that never split a character", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 200_000 }), async (value) => {
        expect(await text(textBody(value))).toBe(value);
      }),
      { numRuns: 30 },
    );
  });

  it("hands out no chunk over 64 KiB, whatever the script", async () => {
    const value = "日本語のテキスト".repeat(40_000);
    const sizes = await chunkSizes(streamed(textBody(value)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(ANSWER_CHUNK_BYTES);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(Buffer.byteLength(value));
  });
});

/**
 * Reads a stream as fast as it gives, as a client on the same host does (its socket never full), counting
 * how often the event loop got a turn meanwhile: other requests are served only then.
 */
async function loopTurnsWhileRead(stream: ReadableStream<Uint8Array>): Promise<{ turns: number; bytes: number }> {
  let turns = 0;
  let reading = true;
  const count = () => {
    if (!reading) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  reading = false;
  return { turns, bytes };
}

describe("a long answer read as fast as it is written", () => {
  it("lets the event loop run every megabyte or so of JSON, not only once the last byte is out", async () => {
    const words = Array.from({ length: 60_000 }, (_, index) => ({ word: `w${index}`, start: index, end: index + 1 }));
    const { turns, bytes } = await loopTurnsWhileRead(streamed(jsonBody({ transcript: "é".repeat(3_000_000), words })));
    // About 5.5 million characters: a turn after each megabyte of them (none at all when written in one go).
    expect(bytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it("lets the event loop run while a long text is sent", async () => {
    const { turns, bytes } = await loopTurnsWhileRead(
      streamed(textBody("1\n00:00:01,000 --> 00:00:02,000\nhello\n\n".repeat(200_000))),
    );
    expect(bytes).toBe(7_800_000);
    expect(turns).toBeGreaterThanOrEqual(6);
  });
});

describe("splicedJson", () => {
  const objectArb = fc.dictionary(
    fc.string({ maxLength: 8 }).map((key) => `s_${key}`),
    fc.jsonValue(),
    { maxKeys: 6 },
  );

  it("gives the front's fields then the stored object's, as one document of the announced length, however it arrives", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ maxLength: 8 }).map((key) => `f_${key}`),
          fc.jsonValue(),
          { maxKeys: 6 },
        ),
        objectArb,
        fc.array(fc.nat(), { maxLength: 6 }),
        async (front, stored, cuts) => {
          const storedText = JSON.stringify(stored);
          const body = arriving(storedText, cuts);
          const spliced = splicedJson(front, { body, bytes: Buffer.byteLength(storedText) }, () => undefined);
          const answer = await text(spliced.stream);
          expect(answer).toBe(JSON.stringify({ ...front, ...stored }));
          expect(Buffer.byteLength(answer)).toBe(spliced.bytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("fails the answer, and says so, when the stored bytes are not a JSON object", async () => {
    const errors: unknown[] = [];
    const spliced = splicedJson({ id: 1 }, { body: Readable.from([Buffer.from('["a list"]')]), bytes: 10 }, (error) =>
      errors.push(error),
    );
    await expect(text(spliced.stream)).rejects.toThrow(/not a JSON object/);
    expect(errors).toHaveLength(1);
  });

  it("closes the stored object's stream when the client stops reading", async () => {
    const body = Readable.from(["{", '"a":1', "}"].map((piece) => Buffer.from(piece)));
    const spliced = splicedJson({ id: 1 }, { body, bytes: 7 }, () => undefined);
    const reader = spliced.stream.getReader();
    await reader.read();
    await reader.cancel();
    expect(body.destroyed).toBe(true);
  });
});
