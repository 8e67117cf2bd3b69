import { createLineJoiner, isWhitespace } from "../text/text-builder.js";
import { createLineWriter } from "./line-writer.js";
import type { Cleaner } from "./cleaner.js";
import type { CleanerEntry, CleanerInputs, RunRules } from "./cleaner-entry.js";
import { enclosesSomething, fillerMarks, isDash, isQuoted, isQuotedApart } from "./filler-marks.js";
import { rulesFor, saysANumber, type LanguageRules } from "./filler-words.js";
import { knownSpeakers, splitSpeakerLabel, type KnownSpeakers } from "./speaker-label.js";
import { attach, endsSentence, isHighMarks, isRestartOf, isMarksOnly, wordKey } from "./token-rules.js";

const LETTER = /\p{L}/u;

const DEFAULT_RULES = rulesFor(null);

/** Cleans what one speaker said on one line, its label already split off. */
export function cleanSpeech(speech: string, rules: LanguageRules = DEFAULT_RULES): string {
  const writer = createLineWriter(rules);
  let previous: string | undefined;
  let previousKey = "";
  // The last word written, the one before `previous`, and its key.
  let written = "";
  let writtenKey = "";
  // Whether the word before `previous` was the same word, kept as a grammatical repeat.
  let repeatKept = false;
  // Whether `previous` is the first word of its sentence.
  let previousOpens = true;
  // What removed fillers left for the words after them: quotes and brackets they opened, an ellipsis, a dash.
  let opening = "";
  let trailingOff = false;
  let dashAfterFiller = false;
  let bareFiller: string | undefined;
  for (let end = 0; end < speech.length;) {
    // The next run of non-whitespace (what `\S+` matches), scanned by character code.
    let start = end;
    while (start < speech.length && isWhitespace(speech.charCodeAt(start))) start++;
    if (start === speech.length) break;
    end = start + 1;
    while (end < speech.length && !isWhitespace(speech.charCodeAt(end))) end++;
    let token = speech.slice(start, end);
    let key = wordKey(token);
    // A bare filler just dropped and this sound say yes together ("uh huh"): the pair is a word.
    const saidAsOne = bareFiller !== undefined && rules.saidAsOne.has(`${wordKey(bareFiller)} ${key}`);
    if (saidAsOne) {
      token = `${bareFiller} ${token}`;
      key = wordKey(token);
    }
    if (
      !saidAsOne &&
      bareFiller !== undefined &&
      opening === "" &&
      previous !== undefined &&
      isQuotedApart(previous, token)
    ) {
      // The filler just dropped was mentioned, not said (`« euh »`): it is written back as a word.
      previousOpens = writer.write(previous, previousKey);
      written = previous;
      writtenKey = previousKey;
      repeatKept = false;
      previous = bareFiller;
      previousKey = wordKey(bareFiller);
    }
    const filler = !saidAsOne && rules.fillers.has(key) && !isQuoted(token);
    bareFiller = undefined;
    // Emoji, symbols, dashes and code are words here: only bare sentence marks are not.
    const punctuationOnly = isMarksOnly(token);
    if (dashAfterFiller && opening === "" && isDash(token)) {
      // "I mean - um - yes": the filler's dashes were a pair, one goes with it.
      dashAfterFiller = false;
      continue;
    }
    dashAfterFiller = false;
    if (filler) {
      const marks = fillerMarks(token);
      opening += marks.opening;
      // Its sound, when no mark follows it: with the next sound it may be a word.
      if (LETTER.test(token.slice(-1))) bareFiller = token.slice(marks.opening.length);
      if (previous === undefined) continue;
      // A filler can carry the end of a sentence: keep that on the previous word. The pause commas around
      // a filler ("should, uh, ship") go with it, but not the comma after a sentence's opening "Yes," nor
      // one before a quote or bracket it closes.
      if (marks.sentenceEnd !== undefined) previous = attach(previous, marks.sentenceEnd);
      else if (
        marks.comma &&
        marks.closing === "" &&
        previous.endsWith(",") &&
        !(previousOpens && rules.openingWords.has(previousKey))
      )
        previous = previous.slice(0, -1);
      previous += marks.closing;
      trailingOff ||= marks.trailingOff;
      dashAfterFiller = isDash(previous);
      continue;
    }
    trailingOff = false;
    if (previous === undefined) {
      if (punctuationOnly) continue;
    } else if (punctuationOnly) {
      // Set apart as French sets `?` `!` `;` `:`, a mark stays apart from its word; any other joins it.
      if (rules.spacesHighMarks && isHighMarks(token)) previous = `${previous} ${token}`;
      else {
        const mark = /[.!?,;:]/.exec(token)?.[0];
        if (mark !== undefined) previous = attach(previous, mark);
      }
      continue;
    } else if (
      key !== "" &&
      // A restart goes unless its word would then repeat the one before it (that stays for the stutter rule)
      // or it may be said twice ("that that's").
      ((previousKey === key && !saysANumber(key, rules)) ||
        (isRestartOf(previous, previousKey, key) &&
          key !== writtenKey &&
          !isRestartOf(written, writtenKey, key) &&
          !rules.grammaticalRepeats.has(previousKey))) &&
      opening === "" &&
      !endsSentence(previous) &&
      !enclosesSomething(previous) &&
      !enclosesSomething(token)
    ) {
      if (previousKey === key && !repeatKept && rules.grammaticalRepeats.has(key)) {
        writer.write(previous, key);
        written = previous;
        writtenKey = key;
        repeatKept = true;
        previousOpens = false;
      }
      previous = token;
      previousKey = key;
      continue;
    } else {
      previousOpens = writer.write(previous, previousKey);
      written = previous;
      writtenKey = previousKey;
      repeatKept = false;
    }
    if (opening !== "") {
      previous = opening + token;
      opening = "";
    } else previous = token;
    previousKey = key;
  }
  if (previous !== undefined) writer.write(trailingOff ? attach(previous, ".") : previous, previousKey);
  // A quote or bracket a last filler opened may close on a later line: it stays.
  if (previous !== undefined && opening !== "") writer.write(opening, "");
  return writer.text();
}

function cleanLine(line: string, rules: LanguageRules, speakers: KnownSpeakers | undefined): string {
  const labelled = splitSpeakerLabel(line, speakers);
  const text = cleanSpeech(labelled?.speech ?? line, rules);
  if (text === "") return "";
  if (labelled) return `${labelled.label}: ${text}`;
  // Removing fillers can shorten a line until it starts like a label ("um um … Alice: hi" → "Alice: hi"):
  // clean it again as one, so that cleaning the output changes nothing.
  return splitSpeakerLabel(text, speakers) === undefined ? text : cleanLine(text, rules, speakers);
}

/**
 * Deterministic, offline cleaning: removes the language's fillers, collapses stutters ("I I think" → "I
 * think"; a word the language may say twice by grammar keeps one repeat: "had had"), normalises spacing and
 * punctuation, capitalises sentences (and "i" in English). It never adds a word, and cleaning its own output
 * changes nothing. Line breaks (one line per cue or speaker turn) are kept.
 * Time is linear in the input for any input: tokens are scanned once, and no pattern can backtrack over a
 * long run. `language` is a BCP-47 tag, or null when not known (English fillers, as before languages).
 * `speakers` are the names its lines are labelled with (`Alice: …`), none for a transcript without speakers;
 * left out, any name-shaped start of a line is taken for a label.
 */
export function cleanWithRules(
  transcript: string,
  language: string | null = null,
  speakers?: readonly string[],
): string {
  const rules = rulesFor(language);
  const known = knownSpeakers(speakers);
  // Line by line into one builder: arrays of every line (split, map, filter) took a 16 MiB transcript of
  // one-letter lines to 740 MiB.
  const out = createLineJoiner();
  for (let start = 0; start <= transcript.length;) {
    const newline = transcript.indexOf("\n", start);
    const end = newline === -1 ? transcript.length : newline;
    const lineEnd = end > start && transcript.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    out.add(cleanLine(transcript.slice(start, lineEnd), rules, known));
    start = end + 1;
  }
  return out.text();
}

/**
 * The rules as a cleaner; `run` is where the work happens (a worker pool in the service), stopped when the
 * request's signal aborts.
 */
export function createRulesCleaner(
  run: RunRules = ({ text, language, speakers }, signal) =>
    new Promise((resolve) => {
      signal?.throwIfAborted();
      resolve(cleanWithRules(text, language, speakers));
    }),
): Cleaner {
  return {
    name: "rules",
    async clean(transcript, { language, speakers, signal }) {
      return { text: await run({ text: transcript, language: language ?? null, speakers }, signal), cleaner: "rules" };
    },
  };
}

/** The rules in the cleaner registry: always there, needing nothing configured. */
export const rulesCleanerEntry = {
  name: "rules",
  create: ({ cleanWithRules }: CleanerInputs) => createRulesCleaner(cleanWithRules),
} as const satisfies CleanerEntry;
