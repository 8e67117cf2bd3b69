import type { Logger } from "../logger.js";
import type { CleanedBy, CleanerName } from "../domain/names.js";

export interface CleanedTranscript {
  text: string;
  cleaner: CleanedBy;
}

/** The cleaning port. A cleaner always returns a transcript: failures degrade, they never throw. */
export interface Cleaner {
  readonly name: CleanerName;
  clean(transcript: string, options: { log: Logger; signal?: AbortSignal | undefined }): Promise<CleanedTranscript>;
}
