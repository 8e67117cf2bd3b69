import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { balancedChunkChars } from "../../app/cleaning/openai-cleaner.js";
import { chunkText, joinSegments, splitIntoChunks } from "../../app/cleaning/utterance-chunks.js";

describe("splitIntoChunks", () => {
  it("keeps whole utterances together and sends no label", () => {
    const chunks = splitIntoChunks("Speaker 0: One two. Three four.\nSpeaker 1: Five six.\nSeven.", 30);
    expect(chunks.map(chunkText)).toEqual(["One two. Three four.\nFive six.", "Seven."]);
    expect(chunks[0]!.segments.map((segment) => segment.label)).toEqual(["Speaker 0", "Speaker 1"]);
    expect(chunks[1]!.segments).toEqual([{ label: null, speech: "Seven.", continues: false }]);
  });

  it("cuts an utterance longer than a chunk at sentence ends, the label on its first piece only", () => {
    const chunks = splitIntoChunks("Alice: One two three. Four five six. Seven.", 20);
    expect(chunks.map(chunkText)).toEqual(["One two three.", "Four five six.", "Seven."]);
    expect(chunks.flatMap((chunk) => chunk.segments.map((segment) => [segment.label, segment.continues]))).toEqual([
      ["Alice", false],
      [null, true],
      [null, true],
    ]);
  });

  it("cuts a sentence longer than a chunk between words", () => {
    const chunks = splitIntoChunks("aaaa bbbb cccc dddd", 9);
    expect(chunks.map(chunkText)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });

  it("drops an utterance cleaned to nothing, with its label", () => {
    const segments = splitIntoChunks("Alice: Um.\nBob: Hi.", 100).flatMap((chunk) => chunk.segments);
    expect(joinSegments(segments.map((segment, index) => (index === 0 ? { ...segment, speech: "" } : segment)))).toBe(
      "Bob: Hi.",
    );
  });

  it("loses nothing, keeps the order and the labels, and respects the limit", () => {
    const sentence = fc
      .array(fc.stringMatching(/^[a-z]{1,12}$/), { minLength: 1, maxLength: 12 })
      .chain((words) => fc.constantFrom(".", "?", "!", "").map((end) => words.join(" ") + end));
    const line = fc
      .tuple(
        fc.option(fc.constantFrom("Speaker 0", "Speaker 12", "Alice", "Dr. Ng"), { nil: undefined }),
        fc.array(sentence, { minLength: 1, maxLength: 6 }),
      )
      .map(([label, sentences]) => (label === undefined ? "" : `${label}: `) + sentences.join(" "));
    const transcript = fc.array(line, { minLength: 1, maxLength: 8 }).map((lines) => lines.join("\n"));
    fc.assert(
      fc.property(transcript, fc.integer({ min: 13, max: 200 }), (text, max) => {
        const chunks = splitIntoChunks(text, max);
        expect(joinSegments(chunks.flatMap((chunk) => chunk.segments))).toBe(text);
        for (const chunk of chunks) expect(chunkText(chunk).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});

describe("balancedChunkChars", () => {
  it("fills every slot with even chunks, in whole rounds, never over the limit", () => {
    expect(balancedChunkChars(56_000, 4_000, 8)).toBe(3_500);
    expect(balancedChunkChars(20_000, 4_000, 8)).toBe(2_500);
    expect(balancedChunkChars(100_000, 4_000, 8)).toBe(3_125);
  });

  it("keeps a short transcript whole rather than cutting it into tiny requests", () => {
    expect(balancedChunkChars(900, 4_000, 8)).toBe(1_000);
    expect(balancedChunkChars(5_000, 4_000, 8)).toBe(1_000);
  });

  it("is within its bounds for any length, limit and concurrency", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 200, max: 20_000 }),
        fc.integer({ min: 1, max: 64 }),
        (length, max, concurrency) => {
          const size = balancedChunkChars(length, max, concurrency);
          expect(size).toBeLessThanOrEqual(max);
          expect(size).toBeGreaterThanOrEqual(Math.min(max, 1_000));
          // Rounds of `concurrency` chunks at this size never exceed the rounds at the limit.
          expect(Math.ceil(Math.ceil(length / size) / concurrency)).toBeLessThanOrEqual(
            Math.max(1, Math.ceil(length / (max * concurrency))) + 1,
          );
        },
      ),
    );
  });
});
