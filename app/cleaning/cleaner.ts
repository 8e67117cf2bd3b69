import type { Logger } from "../logger.js";

/** The cleaners, named once: config, API schema, OpenAPI and metrics derive from these. */
export const CLEANERS = ["openai", "rules"] as const;
/** Which cleaner produced a text; `openai+rules` when some chunks fell back to the rules. */
export const CLEANED_BY = [...CLEANERS, "openai+rules"] as const;
export type CleanerName = (typeof CLEANED_BY)[number];

export interface CleanedTranscript {
  text: string;
  cleaner: CleanerName;
}

/** The cleaning port. A cleaner always returns a transcript: failures degrade, they never throw. */
export interface Cleaner {
  readonly name: (typeof CLEANERS)[number];
  clean(transcript: string, options: { log: Logger; signal?: AbortSignal | undefined }): Promise<CleanedTranscript>;
}
