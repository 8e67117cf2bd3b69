import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wordKey } from "../../app/cleaning/token-rules.js";
import { collapseSpaces, createTextBuilder } from "../../app/text/text-builder.js";

/** Text with every kind of whitespace JavaScript's `\s` knows, often in runs. */
const spacedText = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\ufeff", "\u200a"),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

describe("text building", () => {
  it("collapses whitespace exactly as replace(/\\s+/g, ' ').trim() does, for any text", () => {
    fc.assert(
      fc.property(spacedText, (text) => {
        expect(collapseSpaces(text)).toBe(text.replace(/\s+/g, " ").trim());
      }),
      { numRuns: 2000 },
    );
  });

  it("builds the concatenation of its parts, past a piece's size (in parts or characters) and across repeated reads", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.string({ maxLength: 3 }), { maxLength: 10_000 }),
          // Few parts, long ones: a piece is joined by its characters before its count of parts.
          fc.array(fc.string({ minLength: 500, maxLength: 3_000 }), { minLength: 40, maxLength: 80 }),
        ),
        fc.nat({ max: 10_000 }),
        (parts, readAt) => {
          const builder = createTextBuilder();
          parts.forEach((part, index) => {
            builder.append(part);
            if (index === readAt) expect(builder.toString()).toBe(parts.slice(0, index + 1).join(""));
          });
          expect(builder.toString()).toBe(parts.join(""));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("keys a word as its lower-cased letters, digits and apostrophes, whatever the word", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9']{0,12}$/), fc.string({ unit: "grapheme" })),
        (token) => {
          expect(wordKey(token)).toBe(token.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ""));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
