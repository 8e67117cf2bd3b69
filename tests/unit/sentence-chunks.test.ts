import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinChunks, splitIntoChunks } from "../../app/cleaning/sentence-chunks.js";

describe("splitIntoChunks", () => {
  it("cuts at sentence ends and keeps line breaks", () => {
    const chunks = splitIntoChunks("One two. Three four.\nAlice: five six. Seven.", 20);
    expect(chunks).toEqual([
      { text: "One two. Three four.", separator: "\n" },
      { text: "Alice: five six.", separator: " " },
      { text: "Seven.", separator: "" },
    ]);
  });

  it("cuts a sentence longer than the limit between words", () => {
    const chunks = splitIntoChunks("aaaa bbbb cccc dddd", 9);
    expect(chunks.map((chunk) => chunk.text)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });

  it("loses nothing, keeps the order, and respects the limit", () => {
    const sentence = fc
      .array(fc.stringMatching(/^[a-z]{1,12}$/), { minLength: 1, maxLength: 12 })
      .chain((ws) => fc.constantFrom(".", "?", "!", "").map((end) => ws.join(" ") + end));
    const transcript = fc
      .array(fc.array(sentence, { minLength: 1, maxLength: 6 }).map((s) => s.join(" ")), { minLength: 1, maxLength: 6 })
      .map((lines) => lines.join("\n"));
    fc.assert(
      fc.property(transcript, fc.integer({ min: 13, max: 200 }), (text, max) => {
        const chunks = splitIntoChunks(text, max);
        expect(joinChunks(chunks)).toBe(text);
        for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});
