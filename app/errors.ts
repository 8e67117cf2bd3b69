import type { TranscriptSource } from "./pipeline/transcript.js";

/**
 * What can go wrong in processing a recording, in the domain's words: no HTTP status, no problem type. Each
 * has a stable machine-readable `code`; the HTTP edge maps it to a status and problem code (one table in
 * `app/http/problem.ts`), and a queue worker can report the same code in a failure event.
 */
export const FAILURE_CODES = [
  "unsupported_input",
  "unsupported_encoding",
  "too_large",
  "empty_transcript",
  "provider_failed",
  "provider_timeout",
  "provider_not_configured",
  "processing_failed",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export abstract class DomainError extends Error {
  abstract readonly code: FailureCode;
  /** Facts a client can act on (limits, detected types, the provider's status); never transcript text. */
  abstract readonly details: Readonly<Record<string, unknown>>;
}

/** The file is neither supported audio nor captions. */
export class UnsupportedInput extends DomainError {
  override readonly name = "UnsupportedInput";
  readonly code = "unsupported_input";
  readonly details: { detected_type: string | null };
  constructor(detectedType: string | undefined) {
    super(
      `${detectedType ?? "This file"} is not a supported format. Upload audio or video (WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF, AMR) or captions (WebVTT, SRT, plain text; UTF-8, or UTF-16 with a byte order mark).`,
    );
    this.details = { detected_type: detectedType ?? null };
  }
}

/** The file is text, in an encoding the service does not read. */
export class UnsupportedEncoding extends DomainError {
  override readonly name = "UnsupportedEncoding";
  readonly code = "unsupported_encoding";
  readonly details = { detected_type: "text/plain" };
  constructor() {
    super("The file looks like text, but not in a supported encoding: save it as UTF-8 (or UTF-16 with a byte order mark).");
  }
}

/** More bytes than a limit allows ("more" meaning more than the limit, never equal to it). */
export class TooLarge extends DomainError {
  override readonly name = "TooLarge";
  readonly code = "too_large";
  readonly details: { max_bytes: number };
  constructor(what: string, maxBytes: number) {
    super(`${what} are limited to ${maxBytes} bytes.`);
    this.details = { max_bytes: maxBytes };
  }
}

/** The transcript has no text: nothing to clean and nothing to publish. */
export class EmptyTranscript extends DomainError {
  override readonly name = "EmptyTranscript";
  readonly code = "empty_transcript";
  readonly details: { source: TranscriptSource };
  constructor(source: TranscriptSource) {
    super(source === "captions" ? "The captions hold no cue text." : "The recording holds no speech that could be transcribed.");
    this.details = { source };
  }
}

/** A job that kept failing for a reason of ours (storage, a crash) until its message was dead-lettered. */
export class ProcessingFailed extends DomainError {
  override readonly name = "ProcessingFailed";
  readonly code = "processing_failed";
  readonly details: { attempts: number };
  constructor(attempts: number) {
    super(`Processing failed ${attempts} times; the job was given up. Submit it again, or tell the operator its id.`);
    this.details = { attempts };
  }
}

/** One definition of "over the limit" for every size check: more than the limit, never equal to it. */
export const isOverLimit = (bytes: number, limit: number) => bytes > limit;
