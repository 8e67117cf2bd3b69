import type { Word } from "../domain/transcript.js";
import type { Pause } from "../text/loop-pause.js";
import { createPackedTexts, createSpeakerIndex, packedTextReader } from "./packing.js";

/**
 * Words as a few flat arrays and two strings, for crossing from a text worker to the event loop: a long
 * recording has a hundred thousand words or more, which posted as objects the event loop would receive in
 * one go. Packed, they cross as a few copies, and the event loop builds the objects a slice at a time.
 */
export interface PackedWords {
  starts: Float64Array;
  ends: Float64Array;
  /** NaN where the provider gave no confidence. */
  confidences: Float64Array;
  /** Each word's speaker as an index into `speakers`, -1 when it has none. */
  speakerIndexes: Int32Array;
  speakers: string[];
  /** Every word as recognised, one after another; `wordEnds[i]` is where the i-th ends. */
  words: string;
  wordEnds: Uint32Array;
  /** Every word as written, the same way. */
  punctuated: string;
  punctuatedEnds: Uint32Array;
}

/** Words handled between two pauses: a few milliseconds of work. */
const SLICE = 10_000;

/** On a worker: no pauses, the whole list at once. */
export function packWords(list: readonly Word[]): PackedWords {
  const count = list.length;
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  const confidences = new Float64Array(count);
  const speakerIndexes = new Int32Array(count);
  const speakers = createSpeakerIndex();
  const words = createPackedTexts(count);
  const punctuated = createPackedTexts(count);
  for (let index = 0; index < count; index++) {
    const { word, punctuated_word, start, end, confidence, speaker } = list[index]!;
    starts[index] = start;
    ends[index] = end;
    confidences[index] = confidence ?? Number.NaN;
    speakerIndexes[index] = speakers.indexOf(speaker);
    words.set(index, word);
    punctuated.set(index, punctuated_word);
  }
  const bare = words.done();
  const written = punctuated.done();
  return {
    starts,
    ends,
    confidences,
    speakerIndexes,
    speakers: speakers.speakers,
    words: bare.text,
    wordEnds: bare.ends,
    punctuated: written.text,
    punctuatedEnds: written.ends,
  };
}

/** On the event loop: the words built a slice at a time, pausing between slices. */
export async function unpackWords(packed: PackedWords, pause: Pause): Promise<Word[]> {
  const list: Word[] = [];
  const words = packedTextReader(packed.words, packed.wordEnds);
  const punctuated = packedTextReader(packed.punctuated, packed.punctuatedEnds);
  for (let index = 0; index < packed.starts.length; index++) {
    if (index > 0 && index % SLICE === 0) await pause();
    const confidence = packed.confidences[index]!;
    const speakerAt = packed.speakerIndexes[index]!;
    list.push({
      word: words.next(),
      punctuated_word: punctuated.next(),
      start: packed.starts[index]!,
      end: packed.ends[index]!,
      confidence: Number.isNaN(confidence) ? null : confidence,
      ...(speakerAt !== -1 && { speaker: packed.speakers[speakerAt]! }),
    });
  }
  return list;
}
