import type { CleanedTranscript } from "../cleaning/cleaner.js";
import { isOverLimit, TooLarge, UnsupportedEncoding, UnsupportedInput, type FinalFailure } from "../domain/failures.js";
import type { RequestContext } from "../domain/request-context.js";
import type { TranscriptMetadata, TranscriptSource, Utterance, Word } from "../domain/transcript.js";
import type { TranscriptLanguage, TranscriptionOptions } from "../domain/transcription-options.js";
import type { FailureStage } from "../events/batch-processing-failed.js";
import type { PublishOutcome } from "../events/event-publisher.js";
import type { Logger } from "../logger.js";
import type { TextRoom } from "../transcription/transcriber.js";
import type { AudioTee } from "../upload/audio-tee.js";
import type { DetectedInput } from "../upload/input-detection.js";
import type { InMemoryFile } from "../upload/upload-sink.js";

/** What goes into the pipeline and what comes out of it, and the check every front door makes of an upload's kind. */

/** An accepted upload, wherever its bytes are: on local disk (sync), or in object storage (a job). */
export interface PipelineUpload {
  bytes: number;
  /** The declared Content-Type: logged, never trusted. */
  declaredType: string | undefined;
  /** What the bytes were found to be when the upload was accepted, if that was checked already. */
  detected?: DetectedInput | undefined;
  /** The bytes as a local file (fetched on first call when they are stored elsewhere). */
  localPath(): Promise<string>;
  /** The file, when it is small enough to have been kept in memory. */
  memory?: InMemoryFile | undefined;
  /** A short-lived URL a provider can fetch the bytes from itself, when they are stored where it can. */
  remoteUrl?: (() => Promise<string>) | undefined;
  /** The upload's live branch, with the transcription `screen` started on it while the bytes arrived. */
  tee?: AudioTee | undefined;
}

export interface BatchJob {
  context: RequestContext;
  upload: PipelineUpload;
  /** How audio is to be transcribed, as the request asked; the operator's defaults when absent. */
  options?: TranscriptionOptions | undefined;
  /** Subtitles were asked for: an input that cannot give timings is refused before any work is done. */
  wantsTimings?: boolean | undefined;
  log: Logger;
  signal?: AbortSignal | undefined;
  /** Where the provider's long answer takes its room in the text budget; absent (a queue worker): none. */
  textRoom?: TextRoom | undefined;
  /**
   * Asked when a domain failure has ended the job, before its `BatchProcessingFailed` is published: false
   * withholds the event (a worker's job deleted meanwhile). Absent: the event is published.
   */
  mayPublishFailure?: (() => Promise<boolean>) | undefined;
  /** Told of a domain failure once its `BatchProcessingFailed` was published (a worker records it). */
  onFailure?: ((failure: { error: FinalFailure; stage: FailureStage; event: PublishOutcome }) => void) | undefined;
}

export type AcceptedInput = Extract<DetectedInput, { kind: "audio" | "captions" }>;

/**
 * What every front door checks about an upload's detected kind before it is processed: a file that is
 * neither audio nor readable captions, or captions over their limit, is refused.
 */
export function acceptInput(
  input: DetectedInput,
  bytes: number,
  maxCaptionsBytes: number,
): asserts input is AcceptedInput {
  switch (input.kind) {
    case "audio":
      return;
    case "captions":
      if (isOverLimit(bytes, maxCaptionsBytes)) throw new TooLarge("Captions files", maxCaptionsBytes);
      return;
    case "unsupported-encoding":
      throw new UnsupportedEncoding();
    case "unsupported":
      throw new UnsupportedInput(input.mime);
  }
}

export interface RawTranscript {
  source: TranscriptSource;
  text: string;
  metadata: TranscriptMetadata;
  /** Who said what, when, where that is known (diarized audio, timed captions). */
  utterances?: Utterance[] | undefined;
  /** Each word with its timings, where the provider gives them (never for captions). */
  words?: Word[] | undefined;
  confidence: number | null;
  language: TranscriptLanguage | null;
  /** What the provider was asked for; null for captions, which are not transcribed. */
  options: TranscriptionOptions | null;
}

export interface Transcripts {
  raw: RawTranscript;
  cleaned: CleanedTranscript;
}

export interface BatchOutcome extends Transcripts {
  event: PublishOutcome;
}
