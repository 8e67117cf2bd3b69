import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { balancedChunkChars } from "../../app/cleaning/openai-cleaner.js";
import { splitSpeakerLabel } from "../../app/cleaning/speaker-label.js";
import {
  chunkText,
  joinSegments,
  splitIntoChunks,
  type Chunk,
  type Segment,
} from "../../app/cleaning/utterance-chunks.js";
import { noPause } from "../../app/text/loop-pause.js";
import { transcriptArb } from "../support/arbitraries.js";

describe("splitIntoChunks", () => {
  it("keeps whole utterances together and sends no label", async () => {
    const chunks = await splitIntoChunks("Speaker 0: One two. Three four.\nSpeaker 1: Five six.\nSeven.", 30);
    expect(chunks.map(chunkText)).toEqual(["One two. Three four.\nFive six.", "Seven."]);
    expect(chunks[0]!.segments.map((segment) => segment.label)).toEqual(["Speaker 0", "Speaker 1"]);
    expect(chunks[1]!.segments).toEqual([{ label: null, speech: "Seven.", continues: false }]);
  });

  it("cuts an utterance longer than a chunk at sentence ends, the label on its first piece only", async () => {
    const chunks = await splitIntoChunks("Alice: One two three. Four five six. Seven.", 20);
    expect(chunks.map(chunkText)).toEqual(["One two three.", "Four five six.", "Seven."]);
    expect(chunks.flatMap((chunk) => chunk.segments.map((segment) => [segment.label, segment.continues]))).toEqual([
      ["Alice", false],
      [null, true],
      [null, true],
    ]);
  });

  it("cuts a sentence longer than a chunk between words", async () => {
    const chunks = await splitIntoChunks("aaaa bbbb cccc dddd", 9);
    expect(chunks.map(chunkText)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });

  it("drops an utterance cleaned to nothing, with its label", async () => {
    const segments = (await splitIntoChunks("Alice: Um.\nBob: Hi.", 100)).flatMap((chunk) => chunk.segments);
    const cleaned = segments.map((segment, index) => (index === 0 ? { ...segment, speech: "" } : segment));
    expect(await joinSegments([{ segments: cleaned }])).toBe("Bob: Hi.");
  });

  it("loses nothing, keeps the order and the labels, and respects the limit", async () => {
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
    await fc.assert(
      fc.asyncProperty(transcript, fc.integer({ min: 13, max: 200 }), async (text, max) => {
        const chunks = await splitIntoChunks(text, max);
        expect(await joinSegments(chunks)).toBe(text);
        for (const chunk of chunks) expect(chunkText(chunk).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });

  it("cuts and joins any text exactly as splitting it into arrays of lines does (the former implementation)", async () => {
    const piece = fc.constantFrom(
      "a",
      "Bob: ",
      "Dr. Ng: ",
      "word",
      ". ",
      "? ",
      "\n",
      "\r\n",
      "\r",
      " ",
      "\t",
      "\u00a0",
      "\u2028",
      ":",
      "é",
    );
    const text = fc.oneof(
      fc.array(piece, { maxLength: 60 }).map((pieces) => pieces.join("")),
      transcriptArb,
    );
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 40 }), async (input, max) => {
        const chunks = await splitIntoChunks(input, max, { pause: noPause });
        expect(chunks).toEqual(referenceSplit(input, max));
        const cleaned = chunks.map((chunk) => ({
          segments: chunk.segments.map((segment, at) => (at % 3 === 1 ? { ...segment, speech: " " } : segment)),
        }));
        expect(await joinSegments(cleaned, noPause)).toBe(referenceJoin(cleaned.flatMap((chunk) => chunk.segments)));
      }),
      { numRuns: 1_000 },
    );
  });

  it("lets the event loop run every few thousand lines, and within a long line, both ways", async () => {
    const text = "Alice: hello there.\n".repeat(25_000);
    let pauses = 0;
    const counting = () => {
      pauses++;
      return Promise.resolve();
    };
    const chunks = await splitIntoChunks(text, 4_000, { pause: counting });
    expect(pauses).toBeGreaterThanOrEqual(2);
    pauses = 0;
    expect(await joinSegments(chunks, counting)).toBe(text.trimEnd());
    expect(pauses).toBeGreaterThanOrEqual(2);
    // One line of many words, with no sentence end: paused within the line too.
    pauses = 0;
    const line = `Bob: ${"word ".repeat(200_000)}`;
    const pieces = await splitIntoChunks(line, 4_000, { pause: counting });
    expect(pauses).toBeGreaterThanOrEqual(2);
    expect(await joinSegments(pieces, noPause)).toBe(line.trimEnd());
  });
});

/** The chunker as it was first written, over arrays of every line: the meaning the walking one must keep. */
function referenceSplit(transcript: string, maxChars: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { segments: [] };
  let used = 0;
  const lines = transcript
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const labelled = splitSpeakerLabel(line);
      const speech = (labelled?.speech ?? line).trim().replace(/\s+/g, " ");
      return { label: labelled?.label ?? null, speech };
    })
    .filter((line) => line.speech !== "");
  for (const line of lines) {
    let open: Segment | undefined;
    referencePieces(line.speech, maxChars).forEach((piece, index) => {
      if (current.segments.length > 0 && used + 1 + piece.length > maxChars) {
        chunks.push(current);
        current = { segments: [] };
        used = 0;
        open = undefined;
      }
      used += current.segments.length > 0 ? piece.length + 1 : piece.length;
      if (open !== undefined) {
        open.speech += ` ${piece}`;
        return;
      }
      open = { label: index === 0 ? line.label : null, speech: piece, continues: index > 0 };
      current.segments.push(open);
    });
  }
  if (current.segments.length > 0) chunks.push(current);
  return chunks;
}

function referencePieces(speech: string, maxChars: number): string[] {
  if (speech.length <= maxChars) return [speech];
  const pieces: string[] = [];
  let current = "";
  const add = (unit: string) => {
    if (current !== "" && current.length + 1 + unit.length > maxChars) {
      pieces.push(current);
      current = "";
    }
    current = current === "" ? unit : `${current} ${unit}`;
  };
  for (const sentence of speech.split(/(?<=[.!?]) /)) {
    if (sentence.length <= maxChars) add(sentence);
    else for (const word of sentence.split(" ")) add(word);
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

function referenceJoin(segments: readonly Segment[]): string {
  const lines: Array<{ label: string | null; parts: string[] }> = [];
  for (const segment of segments) {
    const open = lines.at(-1);
    if (!segment.continues || open === undefined) lines.push({ label: segment.label, parts: [] });
    const speech = segment.speech.trim();
    if (speech !== "") lines.at(-1)!.parts.push(speech);
  }
  return lines
    .filter((line) => line.parts.length > 0)
    .map((line) => (line.label === null ? "" : `${line.label}: `) + line.parts.join(" "))
    .join("\n");
}

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
