import { createTextBuilder } from "../text/text-builder.js";

/** Speakers named once each: `indexOf` gives a speaker's place in `speakers`, -1 for none. */
export function createSpeakerIndex() {
  const speakers: string[] = [];
  const places = new Map<string, number>();
  return {
    speakers,
    indexOf(speaker: string | null | undefined): number {
      if (speaker === null || speaker === undefined) return -1;
      let place = places.get(speaker);
      if (place === undefined) {
        place = speakers.push(speaker) - 1;
        places.set(speaker, place);
      }
      return place;
    },
  };
}

/** Texts one after another in one string, with where each ends: a few allocations instead of one per text. */
export function createPackedTexts(count: number) {
  const ends = new Uint32Array(count);
  const builder = createTextBuilder();
  let length = 0;
  return {
    set(index: number, text: string) {
      builder.append(text);
      length += text.length;
      ends[index] = length;
    },
    done: () => ({ text: builder.toString(), ends }),
  };
}

/** Reads packed texts back in order, one `next()` per text. */
export function packedTextReader(text: string, ends: Uint32Array) {
  let start = 0;
  let index = 0;
  return {
    next(): string {
      const end = ends[index++]!;
      const slice = text.slice(start, end);
      start = end;
      return slice;
    },
  };
}
