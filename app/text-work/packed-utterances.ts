import type { Utterance } from "../domain/transcript.js";
import type { Pause } from "../text/loop-pause.js";
import { createPackedTexts, createSpeakerIndex, packedTextReader } from "./packing.js";

/**
 * Utterances as a few flat arrays and one string, for crossing between the event loop and a text worker.
 * Posted as objects, 620,000 utterances (16 MiB of minimal captions cues) took the event loop 0.5 s to
 * receive in one go; packed they cross in tens of milliseconds, and the side that needs objects builds them
 * a slice at a time, letting other requests run in between.
 */
export interface PackedUtterances {
  starts: Float64Array;
  ends: Float64Array;
  /** Each utterance's speaker as an index into `speakers`, -1 when unknown. */
  speakerIndexes: Int32Array;
  speakers: string[];
  /** Every utterance's text, one after another; `textEnds[i]` is where the i-th ends. */
  texts: string;
  textEnds: Uint32Array;
}

/** Utterances handled between two pauses: a few milliseconds of work. */
const SLICE = 10_000;

export async function packUtterances(utterances: readonly Utterance[], pause: Pause): Promise<PackedUtterances> {
  const count = utterances.length;
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  const speakerIndexes = new Int32Array(count);
  const speakers = createSpeakerIndex();
  const texts = createPackedTexts(count);
  for (let index = 0; index < count; index++) {
    if (index > 0 && index % SLICE === 0) await pause();
    const { speaker, start, end, text } = utterances[index]!;
    starts[index] = start;
    ends[index] = end;
    speakerIndexes[index] = speakers.indexOf(speaker);
    texts.set(index, text);
  }
  const { text, ends: textEnds } = texts.done();
  return { starts, ends, speakerIndexes, speakers: speakers.speakers, texts: text, textEnds };
}

export async function unpackUtterances(packed: PackedUtterances, pause: Pause): Promise<Utterance[]> {
  const utterances: Utterance[] = [];
  const texts = packedTextReader(packed.texts, packed.textEnds);
  for (let index = 0; index < packed.starts.length; index++) {
    if (index > 0 && index % SLICE === 0) await pause();
    const speakerAt = packed.speakerIndexes[index]!;
    utterances.push({
      speaker: speakerAt === -1 ? null : packed.speakers[speakerAt]!,
      start: packed.starts[index]!,
      end: packed.ends[index]!,
      text: texts.next(),
    });
  }
  return utterances;
}
