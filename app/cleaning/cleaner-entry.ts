import type { CleanerName } from "../domain/names.js";
import type { Cleaner } from "./cleaner.js";
import type { CleanerSettings } from "./cleaner-settings.js";

/** What any cleaner may be built from: the cleaning settings, the OpenAI-compatible server, the rules' worker. */
export interface CleanerInputs {
  settings: CleanerSettings;
  openai: { apiKey: string | undefined; baseUrl: string | undefined; timeoutS: number };
  /** The rules, run off the event loop. */
  cleanWithRules: (text: string, language: string | null, signal?: AbortSignal) => Promise<string>;
}

/** One cleaner: its name, and how it is built; `undefined` when what it needs is not configured. */
export interface CleanerEntry {
  readonly name: CleanerName;
  create(inputs: CleanerInputs): Cleaner | undefined;
}
