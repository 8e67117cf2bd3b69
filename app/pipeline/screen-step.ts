import { anySignal } from "any-signal";
import { SubtitlesUnavailable } from "../domain/failures.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import type { Logger } from "../logger.js";
import type { TextRoom, Transcriber } from "../transcription/transcriber.js";
import { refuseForCaptions } from "../transcription/requested-options.js";
import type { AudioTee } from "../upload/audio-tee.js";
import { detectInputFromHead, type DetectedInput } from "../upload/input-detection.js";
import { acceptInput } from "./batch-job.js";

/**
 * Why subtitles cannot be made of this input, if they cannot: plain-text captions have no timings, and some
 * models (OpenAI's gpt-4o ones but the diarizing one) answer text alone.
 */
export function untimedRefusal(
  input: DetectedInput,
  transcriber: Pick<Transcriber, "givesTimings">,
  options: TranscriptionOptions,
): SubtitlesUnavailable | undefined {
  if (input.kind === "captions" && input.format === "text") return new SubtitlesUnavailable();
  if (input.kind === "audio" && transcriber.givesTimings?.(options) === false)
    return new SubtitlesUnavailable(
      `The model ${options.model} answers text without timings, so no subtitles can be made of it: ask for JSON, or for a model that gives timings.`,
    );
  return undefined;
}

/**
 * What an upload's first bytes already prove, refused before the rest is read: a type that is not
 * accepted, or (`needsProvider`) audio with no provider to take it. Audio the transcriber can take while
 * it arrives is given to it through `tee` from here, so transcription starts with the upload. Resolves
 * with what the head was found to be (nothing for an ID3 tag), for the pipeline not to detect it again.
 * `wantsTimings` (subtitles asked for): an input that cannot give them is refused here too.
 */
export function createScreenStep(transcriber: Transcriber) {
  return async function screen(
    head: Buffer,
    {
      needsProvider,
      log,
      tee,
      signal,
      options,
      wantsTimings = false,
      textRoom,
    }: {
      needsProvider: boolean;
      log: Logger;
      tee?: AudioTee | undefined;
      signal?: AbortSignal | undefined;
      options: TranscriptionOptions;
      wantsTimings?: boolean;
      /** Where the live transcription's long answer takes its room in the text budget. */
      textRoom?: TextRoom | undefined;
    },
  ): Promise<DetectedInput | undefined> {
    try {
      // An ID3 tag (cover art) can be longer than the head: what follows it is out of view, so nothing is concluded.
      if (head.subarray(0, 3).toString("latin1") === "ID3") return undefined;
      const input = await detectInputFromHead(head);
      if (input.kind === "unsupported" || input.kind === "unsupported-encoding")
        acceptInput(input, 0, Number.POSITIVE_INFINITY);
      if (input.kind === "captions") refuseForCaptions(options);
      const untimed = wantsTimings ? untimedRefusal(input, transcriber, options) : undefined;
      if (untimed !== undefined && input.kind === "captions") throw untimed;
      if (input.kind !== "audio") return input;
      // An unconfigured transcriber refuses at once, naming the variable to set; it reads nothing.
      if (needsProvider && !transcriber.configured)
        await transcriber.transcribe({ path: "", bytes: 0, mime: input.mime }, { log, options });
      if (untimed !== undefined) throw untimed;
      if (tee !== undefined && transcriber.transcribeArriving !== undefined) {
        const transcribeArriving = transcriber.transcribeArriving.bind(transcriber);
        tee.take(input.mime, (audio) => {
          const stopped = anySignal([signal, tee.signal]);
          return transcribeArriving(audio, { log, signal: stopped, options, textRoom }).finally(() => stopped.clear());
        });
      }
      return input;
    } finally {
      tee?.release();
    }
  };
}
