import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { captionsFormatOf } from "../../app/upload/input-detection.js";
import { shapesOf } from "../support/adversarial-text.js";

const MiB = 1024 * 1024;
const LARGE = shapesOf(MiB);
const SMALL = shapesOf(MiB / 4);

/** The fastest of a few runs: what the work costs, without a pause of the machine's in it. */
function fastestMs(work: () => void, runs = 3): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

/** Under this a run is too short to time: the ratio is taken against it instead. */
const FLOOR_MS = 10;

/**
 * Four times the input takes about four times as long when the work is linear, sixteen times when it is
 * quadratic. Measured in the same run, so a slow machine slows both sizes alike.
 */
describe("captions detection, parsing and rules cleaning take time linear in their input", () => {
  it.each(LARGE.map(([name, input, format], index) => [name, input, SMALL[index]![1], format] as const))(
    "%s: 1 MiB costs under 10 times what 256 KiB does",
    (_name, large, small, format) => {
      const work = (input: string) => () => {
        captionsFormatOf(input);
        const { transcript } = parseCaptions(input, format);
        cleanWithRules(transcript);
        cleanWithRules(input);
      };
      const smallMs = fastestMs(work(small));
      const largeMs = fastestMs(work(large));
      expect(largeMs / Math.max(smallMs, FLOOR_MS)).toBeLessThan(10);
    },
  );
});
