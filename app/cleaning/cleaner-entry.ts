import type { CleanerName } from "../domain/names.js";
import type { Cleaner } from "./cleaner.js";
import type { CleanerSettings } from "./cleaner-settings.js";

/** What any cleaner may be built from: the cleaning settings, the OpenAI-compatible server, the rules' worker. */
export interface CleanerInputs {
  settings: CleanerSettings;
  openai: { apiKey: string | undefined; baseUrl: string | undefined; timeoutS: number };
  /** The rules, run off the event loop. */
  cleanWithRules: RunRules;
}

/** What the rules clean: a transcript, its language, and the speakers its lines are labelled with (when known). */
export interface RulesTask {
  text: string;
  language: string | null;
  speakers?: readonly string[] | undefined;
}

export type RunRules = (task: RulesTask, signal?: AbortSignal) => Promise<string>;

/** One cleaner: its name, and how it is built; `undefined` when what it needs is not configured. */
export interface CleanerEntry {
  readonly name: CleanerName;
  create(inputs: CleanerInputs): Cleaner | undefined;
}
