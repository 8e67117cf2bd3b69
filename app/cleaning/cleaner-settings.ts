import { CLEANERS } from "../domain/names.js";
import { integer, oneOf, settings, text } from "../env/env-values.js";

/** Which cleaner runs, and how the model cleaner cuts a transcript. */
export const cleanerSettings = settings(
  {
    CLEANER: oneOf(["auto", ...CLEANERS], "auto", {
      meaning: "`auto` (openai when `OPENAI_API_KEY` is set, else rules), `openai`, `rules`",
    }),
    OPENAI_MODEL: text("gpt-4o", { meaning: "cleaning model" }),
    CLEANER_CHUNK_CHARS: integer(4000, { min: 200 }, { meaning: "chunk size sent to the model, in characters" }),
    CLEANER_CONCURRENCY: integer(
      8,
      { min: 1, max: 64 },
      {
        meaning:
          "chunks cleaned at once; a long transcript is cut into even chunks (of at most " +
          "`CLEANER_CHUNK_CHARS`, at least 1000 characters), a whole number of rounds of this many, " +
          "so no round waits on one big chunk",
      },
    ),
  },
  (env) => ({
    choice: env.CLEANER,
    model: env.OPENAI_MODEL,
    chunkChars: env.CLEANER_CHUNK_CHARS,
    concurrency: env.CLEANER_CONCURRENCY,
  }),
);
export type CleanerSettings = ReturnType<typeof cleanerSettings.read>;
