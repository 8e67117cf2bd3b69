import { canonicalLanguageTag } from "../domain/transcription-options.js";

/** The languages Whisper detects, by their ISO 639 codes. */
const WHISPER_LANGUAGES = (
  "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la " +
  "mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be " +
  "tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jv su yue"
).split(" ");

const withoutMarks = (name: string) => name.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** Whisper's own names for a few languages, where they differ from the English display name. */
const WHISPER_NAMES: Record<string, string> = { myanmar: "my", castilian: "es", flemish: "nl", valencian: "ca" };

const BY_NAME: ReadonlyMap<string, string> = (() => {
  const names = new Intl.DisplayNames(["en"], { type: "language" });
  const byName = new Map(Object.entries(WHISPER_NAMES));
  for (const code of WHISPER_LANGUAGES) byName.set(withoutMarks(names.of(code) ?? code), code);
  return byName;
})();

/**
 * The language an OpenAI-compatible server says it heard, as a BCP-47 tag: OpenAI answers a name
 * (`spanish`), self-hosted servers often a code (`es`). Undefined for anything else.
 */
export function whisperLanguageTag(said: string | undefined): string | undefined {
  if (said === undefined || said.length > 40) return undefined;
  const named = BY_NAME.get(withoutMarks(said.trim()));
  if (named !== undefined) return named;
  return said.length <= 3 ? canonicalLanguageTag(said) : undefined;
}
