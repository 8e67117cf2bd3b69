import fc from "fast-check";
import { describe, expect, it } from "vitest";
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
    expect(joinSegments(segments.map((segment, index) => (index === 0 ? { ...segment, speech: "" } : segment)))).toBe("Bob: Hi.");
  });

  it("loses nothing, keeps the order and the labels, and respects the limit", () => {
    const sentence = fc
      .array(fc.stringMatching(/^[a-z]{1,12}$/), { minLength: 1, maxLength: 12 })
      .chain((words) => fc.constantFrom(".", "?", "!", "").map((end) => words.join(" ") + end));
    const line = fc
      .tuple(fc.option(fc.constantFrom("Speaker 0", "Speaker 12", "Alice", "Dr. Ng"), { nil: undefined }), fc.array(sentence, { minLength: 1, maxLength: 6 }))
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
