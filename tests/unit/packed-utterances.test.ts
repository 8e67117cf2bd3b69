import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Utterance } from "../../app/domain/transcript.js";
import { noPause } from "../../app/text/loop-pause.js";
import { packUtterances, unpackUtterances } from "../../app/text-work/packed-utterances.js";

const utteranceArb: fc.Arbitrary<Utterance> = fc.record({
  speaker: fc.option(fc.oneof(fc.constantFrom("Alice", "Bob", ""), fc.string({ unit: "binary", maxLength: 12 })), {
    nil: null,
  }),
  start: fc.double(),
  end: fc.double(),
  text: fc.string({ unit: "binary", maxLength: 40 }),
});

describe("packed utterances", () => {
  it("unpack what was packed, field for field, whatever the speakers, times and texts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(utteranceArb, { maxLength: 60 }), async (utterances) => {
        const packed = await packUtterances(utterances, noPause);
        expect(await unpackUtterances(packed, noPause)).toEqual(utterances);
      }),
      { numRuns: 300 },
    );
  });

  it("cross a worker's boundary as flat arrays and one string, each speaker named once", async () => {
    const utterances = Array.from({ length: 5 }, (_, index) => ({
      speaker: index % 2 === 0 ? "Alice" : null,
      start: index,
      end: index + 0.5,
      text: `line ${index}`,
    }));
    const packed = await packUtterances(utterances, noPause);
    expect(packed.speakers).toEqual(["Alice"]);
    expect([...packed.speakerIndexes]).toEqual([0, -1, 0, -1, 0]);
    expect(packed.texts).toBe("line 0line 1line 2line 3line 4");
    expect(structuredClone(packed)).toEqual(packed);
  });

  it("pause between slices both ways, so the event loop serves other requests in between", async () => {
    const utterances = Array.from({ length: 25_000 }, (_, index) => ({
      speaker: null,
      start: index,
      end: index,
      text: "a",
    }));
    let pauses = 0;
    const pause = () => {
      pauses++;
      return Promise.resolve();
    };
    const packed = await packUtterances(utterances, pause);
    expect(pauses).toBe(2);
    expect(await unpackUtterances(packed, pause)).toHaveLength(25_000);
    expect(pauses).toBe(4);
  });
});
