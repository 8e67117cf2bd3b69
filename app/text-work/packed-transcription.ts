import type { Pause } from "../text/loop-pause.js";
import type { Transcription } from "../transcription/transcriber.js";
import { packUtterances, unpackUtterances, type PackedUtterances } from "./packed-utterances.js";
import { packWords, unpackWords, type PackedWords } from "./packed-words.js";

/** A transcription as it leaves a text worker: its words and utterances packed. */
export type PackedTranscription = Omit<Transcription, "words" | "utterances"> & {
  words?: PackedWords;
  utterances?: PackedUtterances;
};

export async function packTranscription(transcription: Transcription, pause: Pause): Promise<PackedTranscription> {
  const { words, utterances, ...rest } = transcription;
  return {
    ...rest,
    ...(words !== undefined && { words: packWords(words) }),
    ...(utterances !== undefined && { utterances: await packUtterances(utterances, pause) }),
  };
}

export async function unpackTranscription(packed: PackedTranscription, pause: Pause): Promise<Transcription> {
  const { words, utterances, ...rest } = packed;
  return {
    ...rest,
    ...(words !== undefined && { words: await unpackWords(words, pause) }),
    ...(utterances !== undefined && { utterances: await unpackUtterances(utterances, pause) }),
  };
}
