import * as v from "valibot";

/** What a transcript may have removed from it: personal data, card data, every number. */
export const REDACTIONS = ["pii", "pci", "numbers"] as const;
export type Redaction = (typeof REDACTIONS)[number];

/** Key terms a request may give: few enough for a provider's prompt, short enough to be names and jargon. */
export const KEYTERM_LIMITS = { count: 50, chars: 100 } as const;

/** The longest language tag taken (RFC 5646 tags in practice are far shorter). */
export const MAX_LANGUAGE_TAG_CHARS = 35;

/**
 * How a recording is to be transcribed, as the request asked and the operator's defaults filled in: the one
 * shape the API answers, the job keeps and the event carries. Names are the query parameters'.
 */
export const TranscriptionOptions = v.object({
  model: v.pipe(v.string(), v.description("The provider's model")),
  language: v.pipe(v.nullable(v.string()), v.description("BCP-47 tag asked for; null: the provider's default")),
  detect_language: v.pipe(v.boolean(), v.description("Whether the provider was asked to detect the language")),
  keyterm: v.pipe(v.array(v.string()), v.description("Names and jargon to recognise")),
  redact: v.pipe(v.array(v.picklist(REDACTIONS)), v.description("What the provider was asked to redact")),
  diarize: v.pipe(v.boolean(), v.description("Speakers (who spoke when)")),
  punctuate: v.boolean(),
  smart_format: v.pipe(v.boolean(), v.description("Numbers, dates and the like written as they are read")),
});
export type TranscriptionOptions = v.InferOutput<typeof TranscriptionOptions>;

/** The options a request can set, each a query parameter of the same name. */
export type TranscriptionOptionName = keyof TranscriptionOptions;
export const TRANSCRIPTION_OPTION_NAMES = Object.keys(TranscriptionOptions.entries) as TranscriptionOptionName[];

/** The switches whose default is the operator's (a provider's settings), not a fixed value. */
export type OptionSwitches = Pick<TranscriptionOptions, "diarize" | "punctuate" | "smart_format">;

/** The language of a transcript: asked for, or detected (with the provider's confidence when it gives one). */
export const TranscriptLanguage = v.object({
  code: v.pipe(v.string(), v.description("BCP-47 tag")),
  detected: v.pipe(v.boolean(), v.description("Whether the provider detected it (else it was asked for)")),
  confidence: v.pipe(v.nullable(v.number()), v.description("0–1, when the provider says")),
});
export type TranscriptLanguage = v.InferOutput<typeof TranscriptLanguage>;

/**
 * A well-formed BCP-47 tag in its canonical case (`en-us` → `en-US`), or undefined. Checked by the runtime's
 * own tag parser after a bound on length and characters, so the work is linear in the input.
 */
export function canonicalLanguageTag(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > MAX_LANGUAGE_TAG_CHARS) return undefined;
  for (let index = 0; index < tag.length; index++) {
    const code = tag.charCodeAt(index);
    const alphanumeric =
      (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (!alphanumeric && code !== 0x2d) return undefined;
  }
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The primary language of a tag, lower case: `es` for `es-419`. */
export const primaryLanguage = (tag: string): string => (tag.split("-")[0] ?? tag).toLowerCase();
