import type { OptionSwitches, TranscriptionOptionName, TranscriptionOptions } from "../domain/transcription-options.js";

/**
 * Whether a provider honours an option: always; never (only the value that asks nothing passes: no language,
 * no key terms, a switch off); or on a condition, told in words (`when`) for the refusal and the docs.
 */
export type OptionRule =
  "supported" | "unsupported" | { readonly when: string; accepts(options: TranscriptionOptions): boolean };

/** What a provider declares of every option a request can set. */
export type OptionRules = Readonly<Record<TranscriptionOptionName, OptionRule>>;

/** What a provider does with the options: its rules, and its defaults for the switches a request leaves out. */
export interface ProviderOptions<S> {
  readonly rules: OptionRules;
  /** The model a request gets when it names none. */
  defaultModel(settings: S): string;
  defaults(settings: S, model: string): OptionSwitches;
}
