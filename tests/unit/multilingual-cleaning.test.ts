import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FILLER_LANGUAGES, FILLER_WORDS, type FillerLanguage } from "../../app/cleaning/filler-words.js";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { wordKey } from "../../app/cleaning/token-rules.js";
import { dominantLanguage, translated } from "../../app/cleaning/reply-language.js";

/** Everyday words of each language, among them the ones that sound like fillers but mean something. */
const VOCABULARY: Record<FillerLanguage, string[]> = {
  en: ["we", "ship", "on", "Friday", "the", "release", "notes", "are", "ready", "a", "I", "so", "well", "like"],
  es: ["este", "pues", "bueno", "o", "a", "y", "el", "proyecto", "es", "muy", "importante", "mañana", "sí", "entonces"],
  fr: ["ben", "bon", "alors", "donc", "la", "réunion", "est", "demain", "et", "le", "projet", "avance", "oui", "voilà"],
  de: ["also", "na", "ja", "halt", "das", "Projekt", "ist", "fertig", "und", "wir", "liefern", "morgen", "gut", "so"],
  pt: ["né", "tipo", "então", "é", "o", "projeto", "está", "pronto", "e", "nós", "vamos", "amanhã", "bem", "sim"],
  it: [
    "cioè",
    "allora",
    "dunque",
    "ecco",
    "il",
    "progetto",
    "è",
    "pronto",
    "e",
    "noi",
    "andiamo",
    "domani",
    "sì",
    "bene",
  ],
  nl: [
    "nou",
    "dus",
    "eh-eh",
    "de",
    "vergadering",
    "is",
    "morgen",
    "en",
    "het",
    "project",
    "klaar",
    "wel",
    "ja",
    "goed",
  ],
};

const keysOf = (text: string) =>
  text
    .split(/\s+/)
    .map(wordKey)
    .filter((key) => key !== "");

describe("the rules cleaner in each language", () => {
  it.each<[FillerLanguage, string, string]>([
    ["es", "Eh, este proyecto, ehm, es muy importante.", "Este proyecto es muy importante."],
    ["fr", "Euh, la réunion est, heu, demain.", "La réunion est demain."],
    ["de", "Äh, das Projekt ist, ähm, fertig.", "Das Projekt ist fertig."],
    ["pt", "Hã, o projeto está, ahn, pronto, né?", "O projeto está pronto, né?"],
    ["it", "Ehm, il progetto è, eh, pronto.", "Il progetto è pronto."],
    ["nl", "Eh, de vergadering is, uhm, morgen.", "De vergadering is morgen."],
    ["en", "Um, we ship on, uh, Friday.", "We ship on Friday."],
  ])("removes %s fillers and keeps every other word", (language, input, cleaned) => {
    expect(cleanWithRules(input, language)).toBe(cleaned);
  });

  it("capitalises the word after a sentence's opening marks written apart (French « »), not the marks", () => {
    expect(cleanWithRules("« Euh, bon, on y va », dit-il. « oui. »", "fr")).toBe("« Bon, on y va », dit-il. « Oui. »");
    expect(cleanWithRules("¿ qué tal ? bien", "es")).toBe("¿ Qué tal? Bien");
    // A filler's own question or exclamation goes with it, both its marks; its sentence still ends there.
    expect(cleanWithRules("vamos, ¿eh? no sé. ¡eh! vamos. sí ¿eh?", "es")).toBe("Vamos. No sé. Vamos. Sí.");
    expect(cleanWithRules("¿eh? (¿eh?) ¿¡eh!? bien, ¿eh?, ya", "es")).toBe("Bien, ya");
    expect(cleanWithRules("es bueno, ¿eh?, ya", "es")).toBe("Es bueno ya");
    expect(cleanWithRules("we said ( laughing ) yes", "en")).toBe("We said ( laughing ) yes");
  });

  it.each([
    ["fr", "Quoi ? Vraiment ! Bon ; on y va : demain.", "Quoi ? Vraiment ! Bon ; on y va : demain."],
    ["fr-CA", "C'est bon euh ? Oui !? Alors , on va .", "C'est bon ? Oui !? Alors, on va."],
    // A full stop after a mark set apart ends the sentence once: in place of a `;`, not after a `?`.
    ["fr", "Oui ? ; . Ben ; . Alors", "Oui ? Ben. Alors"],
    // Spaces are spaces, as everywhere the rules clean: a no-break one before a mark too.
    ["fr", "Quoi\u00a0? Vraiment\u202f! Bon ; va\u00a0;\u00a0.", "Quoi ? Vraiment ! Bon ; va."],
    // Other languages join a mark set apart to its word, as before.
    ["en", "What ? Really ! So , we go .", "What? Really! So, we go."],
    ["es", "¿ qué tal ? bien ; vale", "¿ Qué tal? Bien; vale"],
    // « euh » alone between its marks is named, not said; a hesitation inside a quote still goes.
    ["fr", "Il a dit « euh » deux fois.", "Il a dit « euh » deux fois."],
    ["fr", "Il a dit « euh, je sais pas ».", "Il a dit « je sais pas »."],
    ["en", 'He said " um " once, ( um ) twice.', 'He said " um " once, ( ) twice.'],
  ])(
    "keeps French typography's marks set apart, and a filler named between quote marks (%s: %s)",
    (language, input, cleaned) => {
      // The first is no speaker's label, for all its early colon: it holds marks a name does not.
      expect(cleanWithRules(input, language)).toBe(cleaned);
    },
  );

  it("cleans French with its marks set apart to text that cleaning again leaves as it is (property)", () => {
    const word = fc.constantFrom(...VOCABULARY.fr, ...FILLER_WORDS.fr, "euh,", "euh?", "oui.");
    const mark = fc.constantFrom("?", "!", ";", ":", "?!", ",", ".", "«", "»", "»,", "».");
    // Set apart by a space, or by the no-break spaces French typography puts before a mark.
    const gap = fc.constantFrom(" ", " ", "\u00a0", "\u202f", "  ");
    const token = fc.tuple(fc.oneof({ arbitrary: word, weight: 3 }, mark), gap).map(([text, space]) => text + space);
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const once = cleanWithRules(tokens.join(""), "fr");
        expect(cleanWithRules(once, "fr")).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it("chooses the list by the primary language of a regional tag", () => {
    expect(cleanWithRules("Euh, bonjour.", "fr-CA")).toBe("Bonjour.");
    expect(cleanWithRules("Eh, hola.", "es-419")).toBe("Hola.");
  });

  it("keeps the words that sound like fillers but mean something in their language", () => {
    expect(cleanWithRules("este es el proyecto", "es")).toBe("Este es el proyecto");
    expect(cleanWithRules("ben alors on y va", "fr")).toBe("Ben alors on y va");
    expect(cleanWithRules("also na gut", "de")).toBe("Also na gut");
    expect(cleanWithRules("tipo assim, né", "pt")).toBe("Tipo assim, né");
    expect(cleanWithRules("cioè allora", "it")).toBe("Cioè allora");
    expect(cleanWithRules("nou dus", "nl")).toBe("Nou dus");
    // "um" is a word in Portuguese ("um projeto"): it is not taken for an English filler there.
    expect(cleanWithRules("um projeto", "pt")).toBe("Um projeto");
  });

  it("in a language it has no list for, removes only repeated words and extra spaces", () => {
    expect(cleanWithRules("um  to  to jest, uh, projekt", "pl")).toBe("Um to jest, uh, projekt");
    expect(cleanWithRules("i am here", "pl")).toBe("I am here");
    expect(cleanWithRules("i am here", "en")).toBe("I am here");
    expect(cleanWithRules("sono i migliori", "it")).toBe("Sono i migliori");
  });

  it.each<[string | null, string, string]>([
    ["en", "She had had enough.", "She had had enough."],
    ["en", "I know that that works.", "I know that that works."],
    [null, "She had, um, had enough.", "She had had enough."],
    ["en", "She had had had enough.", "She had had enough."],
    ["en", "I I I think so.", "I think so."],
    [
      "en",
      "It was very very good, really really. Bye bye. Bye bye bye.",
      "It was very very good, really really. Bye bye. Bye bye.",
    ],
    [null, "very very very good", "Very very good"],
    ["es", "Es muy muy bueno.", "Es muy muy bueno."],
    ["fr-CA", "C'est très très bien.", "C'est très très bien."],
    ["de", "Das ist sehr sehr gut.", "Das ist sehr sehr gut."],
    ["pt", "Está muito muito bom.", "Está muito muito bom."],
    ["it", "È molto molto buono.", "È molto molto buono."],
    ["nl", "Het is heel heel erg erg goed.", "Het is heel heel erg erg goed."],
    ["en", "It is the the best.", "It is the best."],
    ["fr", "nous nous levons tôt, vous vous couchez tard", "Nous nous levons tôt, vous vous couchez tard"],
    ["fr-CA", "nous nous nous levons", "Nous nous levons"],
    ["de", "Die Kinder, die die Regeln kennen.", "Die Kinder, die die Regeln kennen."],
    ["nl", "Ik denk dat dat klopt.", "Ik denk dat dat klopt."],
    ["es", "que que no", "Que no"],
    ["fr", "She had had enough.", "She had enough."],
  ])("keeps one grammatical repeat in %s: %j", (language, input, cleaned) => {
    expect(cleanWithRules(input, language)).toBe(cleaned);
    expect(cleanWithRules(cleaned, language)).toBe(cleaned);
  });

  it("cleans as before (English fillers) when the language is not known", () => {
    expect(cleanWithRules("Um, I I think so.")).toBe("I think so.");
    expect(cleanWithRules("Um, I I think so.", null)).toBe("I think so.");
  });

  it.each(FILLER_LANGUAGES)("keeps every non-filler word of %s in order (property)", (language) => {
    const fillers = new Set<string>(FILLER_WORDS[language]);
    const word = fc.constantFrom(...VOCABULARY[language]);
    const filler = fc.constantFrom(...FILLER_WORDS[language]);
    const mark = fc.constantFrom("", ",", ".", "?");
    const token = fc.tuple(fc.oneof({ arbitrary: word, weight: 3 }, filler), mark).map(([text, end]) => text + end);
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        const input = tokens.join(" ");
        // A bare "mm" before "hmm" is a yes, kept (its examples are in rules-cleaner.test.ts).
        fc.pre(!` ${input}`.includes(" mm hmm"));
        // Immediate repeats of a word or two are stutters and restarts, collapsed in every language (or kept
        // across a sentence end): both sides are compared with them collapsed.
        const expected = withoutRepeats(keysOf(input).filter((key) => !fillers.has(key)));
        expect(withoutRepeats(keysOf(cleanWithRules(input, language)))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

/** Keys with each immediate repeat of one word or of two collapsed: "a a b a b" → "a b". */
function withoutRepeats(keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const key of keys) {
    out.push(key);
    for (let changed = true; changed;) {
      const n = out.length;
      changed = n >= 2 && out[n - 1] === out[n - 2];
      if (changed) out.pop();
      else if (n >= 4 && out[n - 1] === out[n - 3] && out[n - 2] === out[n - 4]) {
        out.splice(n - 2, 2);
        changed = true;
      }
    }
  }
  return out;
}

describe("telling a translated reply", () => {
  it("names the language a paragraph is mostly in, and none for a short or mixed one", () => {
    expect(dominantLanguage("El proyecto está listo y vamos a lanzar el viernes con los cambios.")).toBe("es");
    expect(dominantLanguage("The project is ready and we will ship it on Friday with the changes.")).toBe("en");
    expect(dominantLanguage("Le projet est prêt et nous le livrons vendredi avec les changements.")).toBe("fr");
    expect(dominantLanguage("Okay.")).toBeUndefined();
  });

  it("finds a reply translated from Spanish to English, and not a cleaned one", () => {
    const spanish = "Eh, el proyecto está listo y, ehm, vamos a lanzar el viernes con los cambios.";
    expect(translated(spanish, "The project is ready and we will launch on Friday with the changes.")).toBe(true);
    expect(translated(spanish, "El proyecto está listo y vamos a lanzar el viernes con los cambios.")).toBe(false);
  });
});
