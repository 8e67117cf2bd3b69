import type { Logger } from "../logger.js";

/** Which cleaner produced the text; `openai+rules` when some chunks fell back to the rules. */
export type CleanerName = "openai" | "rules" | "openai+rules";

export interface CleanedTranscript {
  text: string;
  cleaner: CleanerName;
}

/** The cleaning port. A cleaner always returns a transcript: failures degrade, they never throw. */
export interface Cleaner {
  readonly name: "openai" | "rules";
  clean(transcript: string, options: { log: Logger; signal?: AbortSignal | undefined }): Promise<CleanedTranscript>;
}
