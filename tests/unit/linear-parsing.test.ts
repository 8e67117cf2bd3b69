import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { SHAPES } from "../support/adversarial-text.js";

/** Quadratic work on 1 MiB takes minutes; linear work takes milliseconds. The bound only separates the two. */
const GENEROUS_MS = 3_000;

describe("captions parsing and rules cleaning take time linear in their input", () => {
  it.each(SHAPES)("%s (1 MiB)", (_name, input, format) => {
    const started = performance.now();
    const { transcript } = parseCaptions(input, format);
    cleanWithRules(transcript);
    cleanWithRules(input);
    expect(performance.now() - started).toBeLessThan(GENEROUS_MS);
  });
});
