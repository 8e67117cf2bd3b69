import { CLEANERS, type CleanerName } from "../domain/names.js";
import type { Cleaner } from "./cleaner.js";
import type { CleanerEntry, CleanerInputs } from "./cleaner-entry.js";
import { openAiCleanerEntry } from "./openai-cleaner.js";
import { rulesCleanerEntry } from "./rules-cleaner.js";

/** Every cleaner, by name. Adding one: its entry beside its adapter, its name in the domain, one line here. */
export const CLEANER_REGISTRY = {
  openai: openAiCleanerEntry,
  rules: rulesCleanerEntry,
} as const satisfies Record<CleanerName, CleanerEntry>;

/**
 * The configured cleaner. `auto` takes the first in `CLEANERS`' order that can be built (the model when an
 * OpenAI key is set, else the rules); config refuses a named cleaner that cannot be.
 */
export function createCleaner(inputs: CleanerInputs): Cleaner {
  const { choice } = inputs.settings;
  const order: readonly CleanerName[] = choice === "auto" ? CLEANERS : [choice];
  for (const name of order) {
    const cleaner = CLEANER_REGISTRY[name].create(inputs);
    if (cleaner !== undefined) return cleaner;
  }
  return rulesCleanerEntry.create(inputs);
}
