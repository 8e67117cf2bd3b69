import type { Readable } from "node:stream";
import { fileToSend } from "./sent-chunks.js";
import type { ArrivingAudio, AudioFile } from "./transcriber.js";

/** What one attempt sends. */
export interface AttemptBody {
  data: Readable;
  /** Known for a stored file; absent for bytes still arriving, which go chunked. */
  bytes?: number;
  mime: string;
  /** The attempt's timeout starts once this settles: for live bytes, when the last of them has arrived. */
  sent?: Promise<void>;
  /** The error to judge the attempt by: a live attempt whose bytes were cut off is worth another from disk. */
  explain(error: unknown): unknown;
  /**
   * Lets go of what the attempt opened, once it has ended: a stored file's descriptor, which an attempt
   * answered or cut off before it read the whole file would otherwise hold (and the deleted file's disk).
   */
  close(): void;
}

/** The live bytes were cut off (the provider read them slower than they arrived): the next attempt sends the file. */
export class LiveAudioCutOff extends Error {
  override readonly name = "LiveAudioCutOff";
}

const asIs = (error: unknown) => error;

/**
 * One body per attempt, since a stream can be read only once: the first attempt on arriving audio takes the
 * live bytes; every other attempt opens the stored file afresh (waiting for the upload to finish).
 */
export function attemptBodies(audio: AudioFile | ArrivingAudio): () => Promise<AttemptBody> {
  let liveTaken = false;
  return async () => {
    if ("live" in audio && !liveTaken) {
      liveTaken = true;
      return {
        data: audio.live,
        mime: audio.mime,
        sent: audio.arrived,
        explain: (error) =>
          audio.cutOff ? new LiveAudioCutOff("The provider fell behind the upload.", { cause: error }) : error,
        // The live branch is the tee's to end.
        close: () => undefined,
      };
    }
    const file = "live" in audio ? await audio.file() : audio;
    const data = fileToSend(file.path);
    return { data, bytes: file.bytes, mime: file.mime, explain: asIs, close: () => void data.destroy() };
  };
}
