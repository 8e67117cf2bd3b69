import { isOpeningMarks, trailingPunctuation } from "./token-rules.js";

const OPENING_MARKS: ReadonlySet<string> = new Set(['"', "'", "“", "‘", "«", "‹", "„", "(", "[", "{", "¿", "¡"]);
/** Each closing mark, and the opening mark it closes. */
const OPENER_OF: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["'", "'"],
  ["”", "“"],
  ["’", "‘"],
  ["»", "«"],
  ["›", "‹"],
  [")", "("],
  ["]", "["],
  ["}", "{"],
]);
/** Spanish opens a question or exclamation too: a filler's own `¿eh?` or `¡eh!` goes with it, marks and all. */
const INVERTED_OPENER_OF: ReadonlyMap<string, string> = new Map([
  ["?", "¿"],
  ["!", "¡"],
]);
const QUOTES: ReadonlySet<string> = new Set(['"', "'", "“", "”", "‘", "’", "«", "»", "‹", "›", "„"]);

/** What a filler carries besides its sound. */
export interface FillerMarks {
  /** Opening quotes and brackets before it: they belong to the next word kept. */
  opening: string;
  /** Closing quotes and brackets after it: they belong to the word before. */
  closing: string;
  /** The `.`, `!` or `?` it ends a sentence with. */
  sentenceEnd: string | undefined;
  /** An ellipsis after it ("um..."): a pause, which ends the sentence only if nothing follows on the line. */
  trailingOff: boolean;
  /** Whether a comma follows it: a pause comma, which goes with it. */
  comma: boolean;
}

function leadingMarks(token: string): string {
  let end = 0;
  while (end < token.length && OPENING_MARKS.has(token.charAt(end))) end++;
  return token.slice(0, end);
}

/** The marks of a filler about to be removed, sorted by where each belongs once it is gone. */
export function fillerMarks(token: string): FillerMarks {
  const trailing = trailingPunctuation(token);
  // Marks it opens and closes itself ("(um)") go with it; the rest belong to the words beside it. Counted by
  // kind, so a long run of one kind is not searched for another.
  const leading = leadingMarks(token);
  if (leading === "") {
    // Most fillers open nothing ("um,"): whatever they close belongs to the word before.
    let closing = "";
    for (const character of trailing) if (OPENER_OF.has(character)) closing += character;
    return endOf(trailing, "", closing);
  }
  const open = new Map<string, number>();
  for (const character of leading) open.set(character, (open.get(character) ?? 0) + 1);
  const closed = new Map<string, number>();
  let closing = "";
  // The trailing marks left once its own question or exclamation is closed; that one ended a sentence.
  let rest = "";
  let ownQuestion = false;
  for (const character of trailing) {
    const inverted = INVERTED_OPENER_OF.get(character);
    if (inverted !== undefined && (open.get(inverted) ?? 0) > 0) {
      open.set(inverted, open.get(inverted)! - 1);
      closed.set(inverted, (closed.get(inverted) ?? 0) + 1);
      ownQuestion = true;
      continue;
    }
    rest += character;
    const opener = OPENER_OF.get(character);
    if (opener === undefined) continue;
    const left = open.get(opener) ?? 0;
    if (left === 0) closing += character;
    else {
      open.set(opener, left - 1);
      closed.set(opener, (closed.get(opener) ?? 0) + 1);
    }
  }
  // The innermost of each kind are the ones it closed.
  const opening: string[] = [];
  for (let index = leading.length - 1; index >= 0; index--) {
    const character = leading.charAt(index);
    const pairedLeft = closed.get(character) ?? 0;
    if (pairedLeft > 0) closed.set(character, pairedLeft - 1);
    else opening.push(character);
  }
  const marks = endOf(rest, opening.reverse().join(""), closing);
  // "¿eh?," was a pause in the sentence: its comma says so.
  const endsHere = ownQuestion && marks.sentenceEnd === undefined && !marks.trailingOff && !marks.comma;
  return endsHere ? { ...marks, sentenceEnd: "." } : marks;
}

/** The marks, with how those after a filler end it: a sentence end, a trailing off, a pause comma. */
function endOf(trailing: string, opening: string, closing: string): FillerMarks {
  let sentenceEnd: string | undefined;
  let fullStop = false;
  let trailingOff = false;
  for (let index = 0; index < trailing.length; index++) {
    const code = trailing.charCodeAt(index);
    if (code === 0x21 || code === 0x3f) sentenceEnd ??= trailing.charAt(index); // ! ?
    if (code === 0x2026 || (code === 0x2e && trailing.charCodeAt(index - 1) === 0x2e)) trailingOff = true; // … ..
    if (code === 0x2e) fullStop = true;
  }
  if (sentenceEnd === undefined && fullStop && !trailingOff) sentenceEnd = ".";
  return { opening, closing, sentenceEnd, trailingOff, comma: trailing.charCodeAt(0) === 0x2c };
}

const hasQuote = (marks: string) => [...marks].some((character) => QUOTES.has(character));

/** A filler in quotes (`"um"`, `(“uh”`): a word mentioned, not a sound made, so it stays. */
export function isQuoted(token: string): boolean {
  if (!OPENING_MARKS.has(token.charAt(0))) return false;
  return hasQuote(leadingMarks(token)) && hasQuote(trailingPunctuation(token));
}

/**
 * Whether a filler stood alone between quote marks set apart by spaces (French `« euh »`): the token before
 * it opens a quote, the token after it only closes one (and may end a sentence). A word mentioned, as `"um"` is, so it stays.
 */
export function isQuotedApart(before: string, after: string): boolean {
  const closer = after.charAt(0);
  if (!QUOTES.has(closer) || !OPENER_OF.has(closer) || WORD.test(after)) return false;
  return isOpeningMarks(before) && hasQuote(before);
}
/** A letter or digit: a token holding one (`"uh`) opens a word, it closes nothing. */
const WORD = /[\p{L}\p{N}]/u;

/** Whether a token opens or closes a quote or bracket ("we)", "(we"): a word repeated across one is no stutter. */
export function enclosesSomething(token: string): boolean {
  return leadingMarks(token) !== "" || [...trailingPunctuation(token)].some((character) => OPENER_OF.has(character));
}

/** A dash standing alone between words ("I mean - um - yes"). */
export function isDash(token: string): boolean {
  for (const character of token) if (character !== "-" && character !== "–" && character !== "—") return false;
  return token.length > 0;
}
