/** The transcription providers, named once: config, API schema, OpenAPI and metrics derive from this. */
export const TRANSCRIPTION_PROVIDERS = ["deepgram", "openai"] as const;
export type TranscriptionProvider = (typeof TRANSCRIPTION_PROVIDERS)[number];

/** The cleaners, named once: config, API schema, OpenAPI and metrics derive from these. */
export const CLEANERS = ["openai", "rules"] as const;
export type CleanerName = (typeof CLEANERS)[number];

/** Which cleaner produced a text; `openai+rules` when some chunks fell back to the rules. */
export const CLEANED_BY = [...CLEANERS, "openai+rules"] as const;
export type CleanedBy = (typeof CLEANED_BY)[number];
