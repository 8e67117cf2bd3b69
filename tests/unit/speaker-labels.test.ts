import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { knownSpeakers, splitSpeakerLabel } from "../../app/cleaning/speaker-label.js";
import { conversationOf, speakersOfConversation, type Utterance } from "../../app/domain/transcript.js";

const turn = (speaker: string | null, text: string): Utterance => ({ speaker, start: 0, end: 1, text });

describe("speaker labels, with the transcript's speakers known", () => {
  it("a transcript without speakers has no labels: a colon in its speech is speech", () => {
    expect(cleanWithRules("the list: um apples", "en", [])).toBe("The list: apples");
    expect(cleanWithRules("Um, so here's the plan: we ship.", "en", [])).toBe("So here's the plan: we ship.");
    expect(cleanWithRules("Note: the date", "en", [])).toBe("Note: the date");
    expect(splitSpeakerLabel("Alice: hi", knownSpeakers([]))).toBeUndefined();
  });

  it("without them known, a name-shaped start of a line is a label, as captions files write them", () => {
    expect(cleanWithRules("JOHN: um, hello")).toBe("JOHN: Hello");
    expect(cleanWithRules("the list: um apples")).toBe("the list: Apples");
  });

  it("a known speaker's label is one however long, and any other start of a line is speech", () => {
    const long = "A speaker whose name runs past forty characters";
    expect(cleanWithRules(`${long}: um, hello\nSpeaker 0: the plan: uh go`, "en", [long, "Speaker 0"])).toBe(
      `${long}: Hello\nSpeaker 0: The plan: go`,
    );
    expect(cleanWithRules("Speaker 1: yes", "en", ["Speaker 0"])).toBe("Speaker 1: yes");
    // Fillers before a known label leave the line starting with it: it is cleaned as one, so twice is once.
    expect(cleanWithRules("um, Speaker 0: yes", "en", ["Speaker 0"])).toBe("Speaker 0: Yes");
  });

  it("a conversation's speakers are every utterance's; with one unknown there is no conversation, and none", () => {
    expect(speakersOfConversation([turn("Speaker 0", "a"), turn("Speaker 1", "b"), turn("Speaker 0", "c")])).toEqual([
      "Speaker 0",
      "Speaker 1",
    ]);
    expect(speakersOfConversation([turn("Speaker 0", "a"), turn(null, "b")])).toEqual([]);
    expect(speakersOfConversation(undefined)).toEqual([]);
  });

  it("cleaning a conversation keeps each line's speaker and nothing else is read as one; twice is once", () => {
    const names = fc.constantFrom(
      "Speaker 0",
      "Speaker 12",
      "Dr. Ng",
      "佐藤",
      "A speaker with a long name of many words",
    );
    const word = fc.constantFrom("um", "uh,", "so", "we", "ship.", "plan:", "Note:", "Speaker 0:", "Bob:", "yes");
    const utterances = fc.array(
      fc
        .tuple(names, fc.array(word, { minLength: 1, maxLength: 10 }))
        .map(([speaker, words]) => turn(speaker, words.join(" "))),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(utterances, (turns) => {
        const speakers = speakersOfConversation(turns);
        const cleaned = cleanWithRules(conversationOf(turns)!, "en", speakers);
        const known = knownSpeakers(speakers);
        // A turn of fillers only is cleaned away, line and label.
        for (const line of cleaned.split("\n").filter((line) => line !== ""))
          expect(speakers).toContain(splitSpeakerLabel(line, known)?.label);
        expect(cleanWithRules(cleaned, "en", speakers)).toBe(cleaned);
      }),
      { numRuns: 500 },
    );
  });
});
