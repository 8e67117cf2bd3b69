import { primaryLanguage } from "../domain/transcription-options.js";

/**
 * Fillers by language: hesitation sounds only, never a word the language also uses for meaning (Spanish
 * "este", French "ben", German "also", Portuguese "né", Italian "cioè", Dutch "nou" all stay).
 */
export const FILLER_WORDS = {
  en: ["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm", "mmm"],
  es: ["eh", "ehh", "ehm", "em", "emm", "mm", "mmm", "hmm"],
  fr: ["euh", "euhh", "heu", "hum", "hmm", "mm", "mmm"],
  de: ["äh", "ähm", "öh", "öhm", "ehm", "hm", "hmm", "mm"],
  pt: ["hã", "ahn", "hum", "hmm", "mm", "mmm", "eh", "ehh"],
  it: ["ehm", "eh", "ehh", "mm", "mmm", "hmm", "uhm"],
  nl: ["eh", "ehm", "uh", "uhm", "euh", "hmm", "mm"],
} as const satisfies Record<string, readonly string[]>;

export type FillerLanguage = keyof typeof FILLER_WORDS;
export const FILLER_LANGUAGES = Object.keys(FILLER_WORDS) as FillerLanguage[];

const NONE: ReadonlySet<string> = new Set();

/**
 * A lookup of per-language word lists by a transcript's language (a BCP-47 tag, by its primary language):
 * English when the language is not known (as the provider's default is); none for a language without a list.
 */
function wordsByLanguage(lists: Record<string, readonly string[]>): (language: string | null) => ReadonlySet<string> {
  const sets = new Map<string, ReadonlySet<string>>(
    Object.entries(lists).map(([language, words]) => [language, new Set(words)]),
  );
  return (language) => sets.get(language === null ? "en" : primaryLanguage(language)) ?? NONE;
}

/** The fillers to remove for a transcript's language; none without a list, so no word is taken for a filler. */
const fillersFor = wordsByLanguage(FILLER_WORDS);

/**
 * Words a sentence may say twice in a row by grammar, not by stutter ("she had had enough", "I know that that
 * works", French "nous nous levons", German and Dutch relative clauses "die die", "dat dat"), or for emphasis
 * ("very very good", "bye bye"): one repeat is kept, a third in a row is a stutter.
 */
const GRAMMATICAL_REPEATS: Record<string, readonly string[]> = {
  en: ["had", "that", "very", "really", "bye"],
  es: ["muy"],
  fr: ["nous", "vous", "très"],
  de: ["die", "der", "das", "sehr"],
  pt: ["muito"],
  it: ["molto"],
  nl: ["die", "dat", "heel", "erg"],
};

/** The words of a transcript's language that may stand twice in a row. */
const grammaticalRepeatsFor = wordsByLanguage(GRAMMATICAL_REPEATS);

/**
 * Words that open a sentence and are set off from it by a comma ("Yes, Friday works"): a filler after one
 * leaves that comma, where the pause commas around a filler elsewhere go with it ("we should, uh, ship").
 */
const OPENING_WORDS: Record<string, readonly string[]> = {
  en: [
    "yes",
    "yeah",
    "yep",
    "no",
    "nope",
    "well",
    "okay",
    "ok",
    "oh",
    "so",
    "right",
    "sure",
    "alright",
    "now",
    "actually",
    "anyway",
    "look",
    "listen",
  ],
  es: ["sí", "no", "bueno", "pues", "vale", "bien", "entonces", "oye", "mira"],
  fr: ["oui", "non", "bon", "bien", "alors", "donc", "enfin", "ok", "d'accord"],
  de: ["ja", "nein", "gut", "also", "okay", "naja", "nun", "genau"],
  pt: ["sim", "não", "bem", "então", "olha", "bom", "ok"],
  it: ["sì", "no", "bene", "allora", "beh", "ok", "dunque"],
  nl: ["ja", "nee", "nou", "goed", "oké", "dus"],
};

/** The words of a transcript's language that keep their comma when they open a sentence. */
const openingWordsFor = wordsByLanguage(OPENING_WORDS);

/** A filler sound and the sound after it that together say yes ("uh huh", as "uh-huh"): both stay. */
const SAID_AS_ONE: Record<string, readonly string[]> = { en: ["uh huh", "mm hmm"] };

/** The pairs of a transcript's language that are a word, each as its two keys with a space between. */
const saidAsOneFor = wordsByLanguage(SAID_AS_ONE);

/**
 * Words that say a number. Said twice they are said twice ("five five five", "twenty twenty", "4 4 2"): a
 * phone number, a year or a code is not a stutter, and one collapsed is a fact changed.
 */
const NUMBER_WORDS: Record<string, readonly string[]> = {
  en: [
    ..."zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split(" "),
    ..."sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety".split(" "),
    ..."hundred thousand million billion".split(" "),
  ],
  es: "cero uno una dos tres cuatro cinco seis siete ocho nueve diez once doce veinte treinta cien ciento mil".split(
    " ",
  ),
  fr: "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze vingt trente cent mille".split(" "),
  de: "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig hundert tausend".split(" "),
  pt: "zero um uma dois duas três quatro cinco seis sete oito nove dez vinte trinta cem mil".split(" "),
  it: "zero uno una due tre quattro cinque sei sette otto nove dieci venti trenta cento mille".split(" "),
  nl: "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf twintig dertig honderd duizend".split(" "),
};

const numbersFor = wordsByLanguage(NUMBER_WORDS);
const DIGITS = /^\p{Nd}+$/u;

/** Whether a word (its key) says a number: digits, or one of the language's number words. */
export function saysANumber(key: string, rules: LanguageRules): boolean {
  return rules.numbers.has(key) || DIGITS.test(key);
}

/** Whether "i" is the English pronoun, to be written "I": only when the transcript is (or may be) English. */
const writesCapitalI = (language: string | null): boolean => language === null || primaryLanguage(language) === "en";

/**
 * How a language is cleaned: its fillers, the words it may say twice, the words that keep their comma
 * opening a sentence, the filler pairs that are a word, its number words, whether a lone "i" is "I", and
 * whether its typography sets `?` `!` `;` `:` apart by a space (French: "Quoi ?").
 */
export interface LanguageRules {
  fillers: ReadonlySet<string>;
  grammaticalRepeats: ReadonlySet<string>;
  openingWords: ReadonlySet<string>;
  saidAsOne: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
  capitalI: boolean;
  spacesHighMarks: boolean;
}

/** The rules for a transcript's language (a BCP-47 tag; null when not known). */
export function rulesFor(language: string | null): LanguageRules {
  return {
    fillers: fillersFor(language),
    grammaticalRepeats: grammaticalRepeatsFor(language),
    openingWords: openingWordsFor(language),
    saidAsOne: saidAsOneFor(language),
    numbers: numbersFor(language),
    capitalI: writesCapitalI(language),
    spacesHighMarks: language !== null && primaryLanguage(language) === "fr",
  };
}
