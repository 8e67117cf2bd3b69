import type { Word } from "../domain/transcript.js";
import type { Pause } from "../text/loop-pause.js";
import { createTextBuilder } from "../text/text-builder.js";

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
  const packed = {
    starts: new Float64Array(count),
    ends: new Float64Array(count),
    confidences: new Float64Array(count),
    speakerIndexes: new Int32Array(count),
    speakers: [] as string[],
    wordEnds: new Uint32Array(count),
    punctuatedEnds: new Uint32Array(count),
  };
  const speakerIndex = new Map<string, number>();
  const words = createTextBuilder();
  const punctuated = createTextBuilder();
  let wordsLength = 0;
  let punctuatedLength = 0;
  for (let index = 0; index < count; index++) {
    const { word, punctuated_word, start, end, confidence, speaker } = list[index]!;
    packed.starts[index] = start;
    packed.ends[index] = end;
    packed.confidences[index] = confidence ?? Number.NaN;
    let speakerAt = speaker === undefined ? -1 : speakerIndex.get(speaker);
    if (speakerAt === undefined) {
      speakerAt = packed.speakers.push(speaker!) - 1;
      speakerIndex.set(speaker!, speakerAt);
    }
    packed.speakerIndexes[index] = speakerAt;
    words.append(word);
    wordsLength += word.length;
    packed.wordEnds[index] = wordsLength;
    punctuated.append(punctuated_word);
    punctuatedLength += punctuated_word.length;
    packed.punctuatedEnds[index] = punctuatedLength;
  }
  return { ...packed, words: words.toString(), punctuated: punctuated.toString() };
}

/** On the event loop: the words built a slice at a time, pausing between slices. */
export async function unpackWords(packed: PackedWords, pause: Pause): Promise<Word[]> {
  const list: Word[] = [];
  let wordStart = 0;
  let punctuatedStart = 0;
  for (let index = 0; index < packed.starts.length; index++) {
    if (index > 0 && index % SLICE === 0) await pause();
    const wordEnd = packed.wordEnds[index]!;
    const punctuatedEnd = packed.punctuatedEnds[index]!;
    const confidence = packed.confidences[index]!;
    const speakerAt = packed.speakerIndexes[index]!;
    list.push({
      word: packed.words.slice(wordStart, wordEnd),
      punctuated_word: packed.punctuated.slice(punctuatedStart, punctuatedEnd),
      start: packed.starts[index]!,
      end: packed.ends[index]!,
      confidence: Number.isNaN(confidence) ? null : confidence,
      ...(speakerAt !== -1 && { speaker: packed.speakers[speakerAt]! }),
    });
    wordStart = wordEnd;
    punctuatedStart = punctuatedEnd;
  }
  return list;
}
