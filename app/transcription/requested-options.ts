import * as v from "valibot";
import { InvalidOption, UnsupportedOption } from "../domain/failures.js";
import type { TranscriptionProvider } from "../domain/names.js";
import {
  canonicalLanguageTag,
  KEYTERM_LIMITS,
  REDACTIONS,
  TRANSCRIPTION_OPTION_NAMES,
  type OptionSwitches,
  type TranscriptionOptionName,
  type TranscriptionOptions,
} from "../domain/transcription-options.js";
import type { OptionRules } from "./option-rules.js";

/** A request's options as it sent them: every value of each parameter, as text (a query string's shape). */
export type AskedOptions = Partial<Record<TranscriptionOptionName, readonly string[]>>;

const once = (name: string) =>
  v.pipe(
    v.array(v.string()),
    v.maxLength(1, `${name} may be given once`),
    v.transform((values) => values[0] ?? ""),
  );

const onOff = (name: string) =>
  v.pipe(
    once(name),
    v.picklist(["true", "false"], `${name} must be true or false`),
    v.transform((value) => value === "true"),
  );

/** A key term: a name or a bit of jargon, on one line. */
function isOneLine(term: string): boolean {
  for (let index = 0; index < term.length; index++) {
    const code = term.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return term.trim() !== "";
}

const Asked = v.object({
  model: v.optional(v.pipe(once("model"), v.minLength(1, "model must not be empty"))),
  language: v.optional(
    v.pipe(
      once("language"),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const tag = canonicalLanguageTag(dataset.value);
        if (tag !== undefined) return tag;
        addIssue({ message: "language must be a BCP-47 tag such as en, es or pt-BR" });
        return NEVER;
      }),
    ),
  ),
  detect_language: v.optional(onOff("detect_language")),
  keyterm: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string(),
          v.maxLength(KEYTERM_LIMITS.chars, `each keyterm is at most ${KEYTERM_LIMITS.chars} characters`),
          v.check(isOneLine, "a keyterm is a word or phrase on one line"),
        ),
      ),
      v.maxLength(KEYTERM_LIMITS.count, `at most ${KEYTERM_LIMITS.count} keyterm may be given`),
    ),
  ),
  redact: v.optional(v.array(v.picklist(REDACTIONS, `redact must be one of ${REDACTIONS.join(", ")}`))),
  diarize: v.optional(onOff("diarize")),
  punctuate: v.optional(onOff("punctuate")),
  smart_format: v.optional(onOff("smart_format")),
});

/** The value of each option that asks nothing of a provider: what an `unsupported` option may still be. */
const NEUTRAL: { [K in TranscriptionOptionName]: (options: TranscriptionOptions) => boolean } = {
  model: () => true,
  language: (options) => options.language === null,
  detect_language: (options) => !options.detect_language,
  keyterm: (options) => options.keyterm.length === 0,
  redact: (options) => options.redact.length === 0,
  diarize: (options) => !options.diarize,
  punctuate: (options) => !options.punctuate,
  smart_format: (options) => !options.smart_format,
};

export interface OptionPolicyInputs {
  provider: TranscriptionProvider;
  rules: OptionRules;
  /** The model when a request names none: the operator's. */
  defaultModel: string;
  /** The models a request may name (`TRANSCRIPTION_MODELS`); the default model alone when empty. */
  models: readonly string[];
  /** The switches a request leaves out, for a model: the operator's settings, or what the provider always does. */
  defaults(model: string): OptionSwitches;
}

/**
 * Turns what a request asked into the options a provider is given, or refuses: `InvalidOption` (400) for a
 * value that is not one, `UnsupportedOption` (422) for one the provider cannot honour. Nothing is dropped.
 */
export function createOptionPolicy(inputs: OptionPolicyInputs) {
  const models = inputs.models.length > 0 ? inputs.models : [inputs.defaultModel];
  return {
    provider: inputs.provider,
    models,
    resolve(asked: AskedOptions): TranscriptionOptions {
      const parsed = v.safeParse(Asked, asked);
      if (!parsed.success) {
        const issue = parsed.issues[0];
        const key: unknown = issue.path?.[0]?.key;
        const parameter = typeof key === "string" ? key : "query";
        throw new InvalidOption(parameter, issue.message);
      }
      const given = parsed.output;
      if (given.language !== undefined && given.detect_language === true)
        throw new InvalidOption("detect_language", "Give language or detect_language=true, not both.");
      const model = given.model ?? inputs.defaultModel;
      if (!models.includes(model))
        throw new InvalidOption("model", `model must be one of: ${models.join(", ")}.`, models);
      const switches = inputs.defaults(model);
      const options: TranscriptionOptions = {
        model,
        language: given.language ?? null,
        detect_language: given.detect_language ?? false,
        keyterm: given.keyterm ?? [],
        redact: [...new Set(given.redact ?? [])],
        diarize: given.diarize ?? switches.diarize,
        punctuate: given.punctuate ?? switches.punctuate,
        smart_format: given.smart_format ?? switches.smart_format,
      };
      for (const name of TRANSCRIPTION_OPTION_NAMES) {
        const rule = inputs.rules[name];
        if (rule === "supported") continue;
        if (rule === "unsupported") {
          if (NEUTRAL[name](options)) continue;
          throw new UnsupportedOption(name, inputs.provider, "it has no such feature.");
        }
        if (!rule.accepts(options)) throw new UnsupportedOption(name, inputs.provider, `only ${rule.when}.`);
      }
      return options;
    },
  };
}

export type OptionPolicy = ReturnType<typeof createOptionPolicy>;

/** A captions import is not transcribed: its language is used for cleaning; redaction cannot be done. */
export function refuseForCaptions(options: TranscriptionOptions): void {
  if (options.redact.length > 0)
    throw new UnsupportedOption("redact", "captions", "captions are imported as written, not transcribed.");
}
