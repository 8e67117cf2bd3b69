import type { Logger } from "../logger.js";
import type { CleanedBy, CleanerName } from "../domain/names.js";

export interface CleanedTranscript {
  text: string;
  cleaner: CleanedBy;
}

export interface CleaningOptions {
  log: Logger;
  signal?: AbortSignal | undefined;
  /** The transcript's language (BCP-47), asked for or detected; null or absent when not known. */
  language?: string | null | undefined;
  /**
   * The speakers the transcript's lines are labelled with (`Alice: …`), none when it has no speakers: only
   * these are labels. Absent when not known: then any name-shaped start of a line is taken for one.
   */
  speakers?: readonly string[] | undefined;
}

/**
 * The cleaning port. A cleaner always returns a transcript: failures degrade, they never throw. Only its
 * `signal` aborting stops it, with the abort's error: nobody is left to take the transcript.
 */
export interface Cleaner {
  readonly name: CleanerName;
  clean(transcript: string, options: CleaningOptions): Promise<CleanedTranscript>;
}
