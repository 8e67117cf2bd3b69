import type { TranscriptionProvider } from "./names.js";
import type { TranscriptSource } from "./transcript.js";

/**
 * The codes an accepted upload can end with: a failed job's `error.code` and `BatchProcessingFailed`'s.
 * The HTTP edge maps each to a status and problem code (one table in the edge's problem module).
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

/**
 * Every domain error's code: the failure codes; the transient ones, which are retried and never end a job (storage
 * down, no room for a text in memory); the refusals of a request's options, made before a job exists; and
 * subtitles asked of a transcript without timings.
 */
export const DOMAIN_ERROR_CODES = [
  ...FAILURE_CODES,
  "storage_unavailable",
  "too_busy",
  "tenant_too_busy",
  "invalid_option",
  "unsupported_option",
  "subtitles_unavailable",
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/**
 * What can go wrong, in the domain's words: no HTTP status, no problem type. Each has a stable
 * machine-readable `code`; a queue worker reports the same code in a failure event.
 */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Facts a client can act on (limits, detected types, the provider's status); never transcript text. */
  abstract readonly details: Readonly<Record<string, unknown>>;
}

/** A domain error that ends what it happened to: it is answered, recorded and published as a failure. */
export type FinalFailure = DomainError & { readonly code: FailureCode };

export function isFinalFailure(error: unknown): error is FinalFailure {
  return error instanceof DomainError && (FAILURE_CODES as readonly string[]).includes(error.code);
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
    super(
      "The file looks like text, but not in a supported encoding, or with a character its encoding cannot hold: save it as UTF-8 (or UTF-16 with a byte order mark).",
    );
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
    super(
      source === "captions"
        ? "The captions hold no cue text."
        : "The recording holds no speech that could be transcribed.",
    );
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

export type ProviderFailureKind = "failed" | "timeout" | "not_configured";

const PROVIDER_FAILURE_CODES = {
  failed: "provider_failed",
  timeout: "provider_timeout",
  not_configured: "provider_not_configured",
} as const satisfies Record<ProviderFailureKind, FailureCode>;

/** A provider that could not give a transcript, after retries where they made sense. */
export class ProviderFailure extends DomainError {
  override readonly name = "ProviderFailure";
  readonly code: (typeof PROVIDER_FAILURE_CODES)[ProviderFailureKind];
  readonly details: { provider: TranscriptionProvider; provider_status?: number; attempts?: number; variable?: string };

  constructor(
    readonly kind: ProviderFailureKind,
    readonly provider: TranscriptionProvider,
    message: string,
    facts: { status?: number | undefined; attempts?: number | undefined; variable?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = PROVIDER_FAILURE_CODES[kind];
    this.details = {
      provider,
      ...(facts.status !== undefined && { provider_status: facts.status }),
      ...(facts.attempts !== undefined && { attempts: facts.attempts }),
      ...(facts.variable !== undefined && { variable: facts.variable }),
    };
  }
}

/** The bucket, table or queue behind async jobs failed or could not be reached: transient, try again later. */
export class StorageUnavailable extends DomainError {
  override readonly name = "StorageUnavailable";
  readonly code = "storage_unavailable";
  readonly details = {};
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} is unavailable right now; try again later.`, options);
  }
}

/**
 * The text held in memory at once (the instance's budget, or the tenant's share of it) stayed full for as
 * long as a request may wait: nothing is wrong with the file, and the same request later will be taken.
 */
export class TextBudgetFull extends DomainError {
  override readonly name = "TextBudgetFull";
  readonly code: "too_busy" | "tenant_too_busy";
  readonly details: { retry_after_s: number };
  constructor(scope: "instance" | "tenant", retryAfterS: number) {
    super(
      scope === "tenant"
        ? "This tenant's files already fill its share of the text this instance holds at once; try again shortly."
        : "This instance is holding as much text as it can; try again shortly.",
    );
    this.code = scope === "tenant" ? "tenant_too_busy" : "too_busy";
    this.details = { retry_after_s: retryAfterS };
  }
}

/** A transcription option with a value that is not one (a malformed tag, a model not allowed, too many key terms). */
export class InvalidOption extends DomainError {
  override readonly name = "InvalidOption";
  readonly code = "invalid_option";
  readonly details: { parameter: string; allowed?: readonly string[] };
  constructor(parameter: string, message: string, allowed?: readonly string[]) {
    super(message);
    this.details = { parameter, ...(allowed !== undefined && { allowed }) };
  }
}

/** A transcription option that what would do the work (the configured provider, or a captions import) cannot honour. */
export class UnsupportedOption extends DomainError {
  override readonly name = "UnsupportedOption";
  readonly code = "unsupported_option";
  readonly details: { option: string; provider: TranscriptionProvider | "captions" };
  constructor(option: string, provider: TranscriptionProvider | "captions", reason: string) {
    super(
      provider === "captions"
        ? `${option} cannot be applied to a captions import: ${reason}`
        : `${option} is not supported by ${provider}: ${reason}`,
    );
    this.details = { option, provider };
  }
}

/** The transcript has no timings (plain-text captions, a text-only model): no cue can be timed. */
export class SubtitlesUnavailable extends DomainError {
  override readonly name = "SubtitlesUnavailable";
  readonly code = "subtitles_unavailable";
  readonly details = {};
  constructor(message = "This transcript has no timings to make subtitles from; ask for JSON instead.") {
    super(message);
  }
}

/** One definition of "over the limit" for every size check: more than the limit, never equal to it. */
export const isOverLimit = (bytes: number, limit: number) => bytes > limit;
