import OpenAI from "openai";
import pLimit from "p-limit";
import type { CleanedBy } from "../domain/names.js";
import type { Cleaner, CleaningOptions } from "./cleaner.js";
import type { CleanerEntry, CleanerInputs } from "./cleaner-entry.js";
import { rulesFor } from "./filler-words.js";
import { cleanSpeech } from "./rules-cleaner.js";
import { translated } from "./reply-language.js";
import { knownSpeakers, splitSpeakerLabel, type KnownSpeakers } from "./speaker-label.js";
import { chunkText, joinSegments, splitIntoChunks, type Chunk, type Segment } from "./utterance-chunks.js";

export interface OpenAiCleanerOptions {
  apiKey: string;
  baseUrl: string | undefined;
  model: string;
  timeoutS: number;
  chunkChars: number;
  concurrency: number;
  /** Retries of one chunk, by the SDK (it honours `Retry-After`). */
  maxRetries?: number;
}

export const CLEANING_INSTRUCTIONS = [
  "You clean up machine transcripts of recorded meetings.",
  "Remove filler words (um, uh, er, hmm), false starts and accidental repetitions; fix punctuation and capitalisation.",
  "Keep every statement and its meaning. Do not summarise, shorten content, translate, answer, or add anything.",
  "The transcript comes one utterance per line, without speaker names.",
  "Reply with exactly as many lines as you were given, line for line, each the cleaned version of its line (an empty line if nothing is left of it).",
  "Never add speaker names or labels.",
  "Reply with the cleaned transcript only.",
].join(" ");

const LANGUAGE_NAMES = new Intl.DisplayNames(["en"], { type: "language" });

/** The instructions, told the transcript's language when it is known: the model must not translate. */
export function cleaningInstructions(language: string | null): string {
  if (language === null) return CLEANING_INSTRUCTIONS;
  const name = LANGUAGE_NAMES.of(language) ?? language;
  return `${CLEANING_INSTRUCTIONS} The transcript is in ${name} (${language}): reply in ${name}, never translate it, and remove only that language's fillers.`;
}

/** Below this, a transcript is not cut further to fill every slot: one request costs less than many tiny ones. */
const MIN_CHUNK_CHARS = 1_000;

/**
 * The chunk size for a transcript: even chunks, a whole number of waves of `concurrency`, none over
 * `maxChars`. Each wave lasts as long as its slowest chunk: with 8 slots and 4k at most, 36k characters
 * take two waves either way, of 2.25k chunks (16 of them) rather than of 4k ones (9, the last alone).
 */
export function balancedChunkChars(length: number, maxChars: number, concurrency: number): number {
  const waves = Math.max(1, Math.ceil(length / (maxChars * concurrency)));
  return Math.min(maxChars, Math.max(MIN_CHUNK_CHARS, Math.ceil(length / (waves * concurrency))));
}

/** Cleaned text shorter or longer than this share of the input (plus slack for short chunks) is not trusted. */
const MIN_LENGTH_RATIO = 0.4;
const MAX_LENGTH_RATIO = 1.25;
const LENGTH_SLACK_CHARS = 40;

type ChunkOutcome = { segments: Segment[]; by: "openai" | "rules" };

/**
 * Cleans with a chat model. Long transcripts are cut on utterance (line) boundaries into chunks cleaned
 * concurrently (bounded) and rejoined in order; the model sees speech only, and the speaker labels are put
 * back by position, so it can neither lose nor invent one. A chunk the model fails on (an error after the
 * SDK's retries, a reply cut short, or a reply of implausible length) is cleaned by the rules instead, so
 * the model being down never fails a request.
 */
export function createOpenAiCleaner(options: OpenAiCleanerOptions): Cleaner {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    timeout: options.timeoutS * 1000,
    maxRetries: options.maxRetries ?? 2,
  });
  const limit = pLimit(options.concurrency);

  async function cleanChunk(
    chunk: Chunk,
    index: number,
    { log, signal, language = null }: CleaningOptions,
    speakers: KnownSpeakers | undefined,
  ): Promise<ChunkOutcome> {
    const text = chunkText(chunk);
    const rules = rulesFor(language);
    const fallback = (reason: string): ChunkOutcome => {
      // Only the reason: provider error messages can quote the request, and so the transcript.
      log.warn({ chunk: index, chunk_length: text.length, reason }, "cleaning chunk fell back to rules");
      return {
        segments: chunk.segments.map((segment) => ({ ...segment, speech: cleanSpeech(segment.speech, rules) })),
        by: "rules",
      };
    };
    try {
      const completion = await client.chat.completions.create(
        {
          model: options.model,
          temperature: 0,
          messages: [
            { role: "system", content: cleaningInstructions(language) },
            { role: "user", content: text },
          ],
        },
        { signal },
      );
      const choice = completion.choices[0];
      // Only the end is trimmed: a leading empty line is an utterance cleaned to nothing.
      const cleaned = choice?.message.content?.trimEnd();
      if (choice?.finish_reason !== "stop") return fallback(`finish_reason ${choice?.finish_reason ?? "missing"}`);
      if (cleaned === undefined || !plausibleLength(text, cleaned)) return fallback("implausible length");
      if (translated(text, cleaned)) return fallback("reply in another language");
      const lines = cleaned.split(/\r?\n/);
      // Labels are re-attached by position, so a reply must keep the lines one for one and add no label.
      if (lines.length !== chunk.segments.length) return fallback("line count changed");
      if (lines.some((line, at) => labelChanged(chunk.segments[at]!.speech, line, speakers)))
        return fallback("speaker label changed");
      // An utterance may go only when it was nothing but fillers: the rules are the judge of that.
      if (lines.some((line, at) => line.trim() === "" && cleanSpeech(chunk.segments[at]!.speech, rules) !== "")) {
        return fallback("utterance dropped");
      }
      return { segments: chunk.segments.map((segment, at) => ({ ...segment, speech: lines[at]! })), by: "openai" };
    } catch (error) {
      if (error instanceof OpenAI.APIUserAbortError) throw error;
      return fallback(error instanceof OpenAI.APIError ? `status ${error.status ?? error.name}` : "error");
    }
  }

  return {
    name: "openai",
    async clean(transcript, cleaning) {
      const { log } = cleaning;
      const speakers = knownSpeakers(cleaning.speakers);
      const chunks = await splitIntoChunks(
        transcript,
        balancedChunkChars(transcript.length, options.chunkChars, options.concurrency),
        { speakers },
      );
      if (chunks.length === 0) return { text: "", cleaner: "openai" };
      const outcomes = await Promise.all(
        chunks.map((chunk, index) => limit(() => cleanChunk(chunk, index, cleaning, speakers))),
      );
      const text = await joinSegments(outcomes);
      log.debug(
        {
          chunks: chunks.length,
          fallback_chunks: outcomes.filter((outcome) => outcome.by === "rules").length,
        },
        "openai cleaning finished",
      );
      return { text, cleaner: cleanerName(outcomes) };
    },
  };
}

/**
 * Whether a reply line changed its line's label: a known speaker's taken, given or swapped, or a name-shaped
 * one added where the line had none. A line's own name-shaped start may change ("Um, the plan: go" →
 * "The plan: go") when the speakers are known and it is not one of them.
 */
function labelChanged(speech: string, reply: string, speakers: KnownSpeakers | undefined): boolean {
  if (labelOf(speech, speakers) !== labelOf(reply, speakers)) return true;
  return labelOf(speech) === undefined && labelOf(reply) !== undefined;
}

function labelOf(line: string, speakers?: KnownSpeakers): string | undefined {
  return splitSpeakerLabel(line.trim(), speakers)?.label;
}

function plausibleLength(input: string, output: string): boolean {
  return (
    output.length >= input.length * MIN_LENGTH_RATIO - LENGTH_SLACK_CHARS &&
    output.length <= input.length * MAX_LENGTH_RATIO + LENGTH_SLACK_CHARS
  );
}

function cleanerName(outcomes: ChunkOutcome[]): CleanedBy {
  const byRules = outcomes.filter((outcome) => outcome.by === "rules").length;
  if (byRules === 0) return "openai";
  return byRules === outcomes.length ? "rules" : "openai+rules";
}

/** The model cleaner in the cleaner registry: there when an OpenAI key is set. */
export const openAiCleanerEntry = {
  name: "openai",
  create: ({ settings, openai }: CleanerInputs) =>
    openai.apiKey === undefined
      ? undefined
      : createOpenAiCleaner({
          apiKey: openai.apiKey,
          baseUrl: openai.baseUrl,
          timeoutS: openai.timeoutS,
          model: settings.model,
          chunkChars: settings.chunkChars,
          concurrency: settings.concurrency,
        }),
} as const satisfies CleanerEntry;
