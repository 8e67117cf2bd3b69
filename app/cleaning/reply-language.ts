import type { FillerLanguage } from "./filler-words.js";

/**
 * The commonest short words of each language the cleaner knows: enough to tell which of them a paragraph
 * is in, not to identify languages in general. Words shared by two of them are left out.
 */
const FUNCTION_WORDS: Record<FillerLanguage, readonly string[]> = {
  en: [
    "the",
    "and",
    "is",
    "are",
    "was",
    "to",
    "of",
    "that",
    "this",
    "with",
    "we",
    "you",
    "it",
    "have",
    "not",
    "for",
    "on",
    "be",
    "will",
    "what",
  ],
  es: [
    "el",
    "los",
    "las",
    "y",
    "es",
    "que",
    "una",
    "con",
    "para",
    "por",
    "pero",
    "muy",
    "está",
    "hay",
    "tenemos",
    "vamos",
    "eso",
    "también",
    "cómo",
    "nosotros",
  ],
  fr: [
    "le",
    "les",
    "et",
    "est",
    "une",
    "avec",
    "pour",
    "pas",
    "nous",
    "vous",
    "dans",
    "sur",
    "mais",
    "très",
    "c'est",
    "qui",
    "il",
    "elle",
    "ça",
    "sont",
  ],
  de: [
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "mit",
    "wir",
    "ich",
    "ein",
    "eine",
    "zu",
    "auf",
    "sie",
    "es",
    "auch",
    "sind",
    "haben",
    "wie",
    "noch",
  ],
  pt: [
    "o",
    "os",
    "e",
    "é",
    "não",
    "uma",
    "com",
    "para",
    "mas",
    "muito",
    "está",
    "isso",
    "também",
    "nós",
    "você",
    "são",
    "tem",
    "como",
    "mais",
    "ele",
  ],
  it: [
    "il",
    "gli",
    "e",
    "è",
    "non",
    "che",
    "una",
    "con",
    "per",
    "ma",
    "molto",
    "questo",
    "anche",
    "noi",
    "sono",
    "abbiamo",
    "come",
    "più",
    "della",
    "ci",
  ],
  nl: [
    "de",
    "het",
    "en",
    "is",
    "niet",
    "een",
    "met",
    "voor",
    "maar",
    "wij",
    "we",
    "ik",
    "zijn",
    "ook",
    "dat",
    "van",
    "op",
    "hebben",
    "nog",
    "heel",
  ],
};

const OWNERS: ReadonlyMap<string, FillerLanguage> = (() => {
  const counts = new Map<string, number>();
  for (const words of Object.values(FUNCTION_WORDS))
    for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const owners = new Map<string, FillerLanguage>();
  for (const [language, words] of Object.entries(FUNCTION_WORDS) as Array<[FillerLanguage, readonly string[]]>)
    for (const word of words) if (counts.get(word) === 1) owners.set(word, language);
  return owners;
})();

/** Fewer telling words than this, and a text is too short to say. */
const MIN_HITS = 3;

/**
 * Which of the cleaner's languages a text is mostly in, by its function words; undefined when it is too
 * short to tell or no language clearly leads (twice the hits of the next). One pass over the words.
 */
export function dominantLanguage(text: string): FillerLanguage | undefined {
  const hits = new Map<FillerLanguage, number>();
  for (const token of text.toLowerCase().split(/\s+/)) {
    const owner = OWNERS.get(trimToLetters(token));
    if (owner !== undefined) hits.set(owner, (hits.get(owner) ?? 0) + 1);
  }
  const [first, second] = [...hits.entries()].sort((a, b) => b[1] - a[1]);
  if (first === undefined || first[1] < MIN_HITS || (second !== undefined && first[1] < second[1] * 2))
    return undefined;
  return first[0];
}

const LETTER = /\p{L}/u;

/** A token without the marks around it (`"está,"` → `está`); an inner apostrophe stays (`c'est`). */
function trimToLetters(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && !LETTER.test(token[start]!)) start++;
  while (end > start && !LETTER.test(token[end - 1]!)) end--;
  return token.slice(start, end);
}

/** Whether a model's reply reads as another language than what it was given: it translated. */
export function translated(input: string, reply: string): boolean {
  const given = dominantLanguage(input);
  const answered = dominantLanguage(reply);
  return given !== undefined && answered !== undefined && given !== answered;
}
