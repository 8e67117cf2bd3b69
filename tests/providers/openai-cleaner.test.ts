import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAiCleaner, type OpenAiCleanerOptions } from "../../app/cleaning/openai-cleaner.js";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { splitSpeakerLabel } from "../../app/cleaning/speaker-label.js";
import { captureLogger } from "../support/capture-logger.js";
import { FAKE_OPENAI_KEY, fakeModelClean, startFakeOpenAi } from "../support/fake-openai.js";

const SENTENCES = Array.from({ length: 40 }, (_, i) => `Um, sentence number ${i} is, uh, here.`);
const LONG = SENTENCES.join(" ");

describe("OpenAI cleaner, through the real SDK against a local chat completions server", () => {
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;
  const logs = captureLogger();

  beforeAll(async () => {
    openai = await startFakeOpenAi();
  });
  afterAll(() => openai.close());
  beforeEach(() => {
    openai.chats.length = 0;
  });
  afterEach(() => openai.useModel(undefined));

  const cleaner = (overrides: Partial<OpenAiCleanerOptions> = {}) =>
    createOpenAiCleaner({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model: "gpt-4o",
      timeoutS: 5,
      chunkChars: 200,
      concurrency: 3,
      maxRetries: 1,
      ...overrides,
    });

  it("asks the model at temperature 0 with cleaning instructions", async () => {
    const result = await cleaner().clean("Um, we ship on Friday.", { log: logs.logger });
    expect(result).toEqual({ text: "we ship on Friday.", cleaner: "openai" });
    const [chat] = openai.chats;
    expect(chat).toMatchObject({ model: "gpt-4o", temperature: 0 });
    expect(chat?.messages[0]?.content).toMatch(/Do not summarise/);
  });

  it("tells the model the transcript's language and not to translate it", async () => {
    await cleaner().clean("Eh, el proyecto está listo.", { log: logs.logger, language: "es" });
    const instructions = openai.chats[0]?.messages[0]?.content ?? "";
    expect(instructions).toContain("The transcript is in Spanish (es)");
    expect(instructions).toMatch(/never translate/);
  });

  it("falls back to that language's rules for a chunk the model answered in another language", async () => {
    const spanish = "Eh, el proyecto está listo y, ehm, vamos a lanzar el viernes con los cambios.";
    openai.script({ content: "The project is ready and we will launch on Friday with the changes." });
    const result = await cleaner().clean(spanish, { log: logs.logger, language: "es" });
    expect(result).toEqual({ text: cleanWithRules(spanish, "es"), cleaner: "rules" });
    expect(result.text).toBe("El proyecto está listo y vamos a lanzar el viernes con los cambios.");
    expect(logs.lines.some((line) => line.reason === "reply in another language")).toBe(true);
  });

  it("cleans a long utterance in sentence chunks, concurrently but bounded, rejoined in order", async () => {
    const result = await cleaner().clean(LONG, { log: logs.logger });
    expect(result.cleaner).toBe("openai");
    expect(result.text).toBe(fakeModelClean(LONG));
    expect(openai.chats.length).toBeGreaterThan(5);
    for (const chat of openai.chats) expect(chat.messages[1]?.content.length).toBeLessThanOrEqual(200);
    expect(openai.maxConcurrentChats()).toBeLessThanOrEqual(3);
  });

  it("falls back to the rules for a chunk cut short by the length limit", async () => {
    openai.script({ finishReason: "length" });
    const result = await cleaner({ concurrency: 1 }).clean(LONG, { log: logs.logger });
    expect(result.cleaner).toBe("openai+rules");
    const firstChunk = openai.chats[0]?.messages[1]?.content ?? "";
    expect(result.text.startsWith(cleanWithRules(firstChunk))).toBe(true);
    expect(logs.lines.some((line) => line.reason === "finish_reason length")).toBe(true);
  });

  it("falls back for a reply of implausible length", async () => {
    openai.script({ content: "Summary: fine." });
    const result = await cleaner().clean(SENTENCES.slice(0, 4).join(" "), { log: logs.logger });
    expect(result).toEqual({ text: cleanWithRules(SENTENCES.slice(0, 4).join(" ")), cleaner: "rules" });
  });

  it("retries a 429 through the SDK, then succeeds", async () => {
    openai.script({ status: 429, headers: { "retry-after": "0" } });
    await expect(cleaner().clean("Um, hi there.", { log: logs.logger })).resolves.toEqual({
      text: "hi there.",
      cleaner: "openai",
    });
    expect(openai.chats).toHaveLength(2);
  });

  it("never fails the request: 5xx after retries, bad keys and truncated replies fall back to the rules", async () => {
    openai.script({ status: 500 }, { status: 500 }, { truncate: true }, { truncate: true });
    const text = "Um, first. Uh, second.";
    await expect(cleaner({ chunkChars: 1000 }).clean(text, { log: logs.logger })).resolves.toEqual({
      text: cleanWithRules(text),
      cleaner: "rules",
    });
    await expect(cleaner({ chunkChars: 1000 }).clean(text, { log: logs.logger })).resolves.toMatchObject({
      cleaner: "rules",
    });
    await expect(cleaner({ apiKey: "sk-wrong" }).clean(text, { log: logs.logger })).resolves.toMatchObject({
      cleaner: "rules",
    });
  });

  it("falls back when the model is slower than OPENAI_TIMEOUT_S", async () => {
    openai.script({ delayMs: 1500 });
    await expect(cleaner({ timeoutS: 1, maxRetries: 0 }).clean("Um, slow.", { log: logs.logger })).resolves.toEqual({
      text: "Slow.",
      cleaner: "rules",
    });
  });

  it("keeps speaker labels and lines: the model sees speech only, one utterance per line", async () => {
    const transcript = "Speaker 0: Um, we ship on Friday.\nSpeaker 1: Uh, Friday works.\nSpeaker 0: Good.";
    const result = await cleaner().clean(transcript, { log: logs.logger });
    expect(result).toEqual({
      text: "Speaker 0: we ship on Friday.\nSpeaker 1: Friday works.\nSpeaker 0: Good.",
      cleaner: "openai",
    });
    expect(openai.chats.map((chat) => chat.messages[1]?.content)).toEqual([
      "Um, we ship on Friday.\nUh, Friday works.\nGood.",
    ]);
  });

  it("lets an utterance go only when it was nothing but fillers", async () => {
    openai.useModel(() => "\nWe ship.\nFine.\n");
    const emptied = await cleaner().clean("Alice: Um, uh.\nBob: Um, we ship.\nAlice: Fine.", { log: logs.logger });
    expect(emptied).toEqual({ text: "Bob: We ship.\nAlice: Fine.", cleaner: "openai" });
    openai.useModel(() => "\nWe ship.");
    const lost = await cleaner().clean("Alice: Yes.\nBob: Um, we ship.", { log: logs.logger });
    expect(lost).toEqual({ text: "Alice: Yes.\nBob: We ship.", cleaner: "rules" });
  });

  it("falls back for a reply that merges lines or invents a speaker", async () => {
    const transcript = "Alice: Um, one.\nBob: Two.";
    openai.script({ content: "One. Two." }, { content: "Alice: One.\nTwo." });
    const merged = await cleaner().clean(transcript, { log: logs.logger });
    const invented = await cleaner().clean(transcript, { log: logs.logger });
    expect([merged, invented]).toEqual([
      { text: cleanWithRules(transcript), cleaner: "rules" },
      { text: cleanWithRules(transcript), cleaner: "rules" },
    ]);
    expect(logs.lines.map((line) => line.reason)).toEqual(
      expect.arrayContaining(["line count changed", "speaker label changed"]),
    );
  });

  it("never loses or invents a speaker label, whatever the model replies, with its speakers known or not", async () => {
    const speakers = ["Speaker 0", "Speaker 1", "Speaker 12", "Alice", "Dr. Ng", "Łucja", "佐藤"];
    const labels = fc.constantFrom(...speakers);
    const word = (extra: string[]) =>
      fc.oneof(
        fc.constantFrom("um", "uh", '{"json":', "true}", "👋🏽", "—", "ok,", "ship.", "why?", ...extra),
        fc.stringMatching(/^[a-z]{2,8}$/),
      );
    // Every utterance has a word that is not a filler, so none is cleaned away (that case is tested above).
    const words = (...extra: string[]) =>
      fc
        .tuple(
          fc.array(word(extra), { maxLength: 8 }),
          fc.constantFrom("ship", "friday", "budget"),
          fc.array(word(extra), { maxLength: 8 }),
        )
        .map(([before, plain, after]) => [...before, plain, ...after]);
    // Speech after a label may look like another label; a line without one holds no `Name: ` to be found.
    const line = fc.oneof(
      fc.tuple(labels, words("Bob:", "Speaker 3:")).map(([label, speech]) => `${label}: ${speech.join(" ")}`),
      words().map((speech) => speech.join(" ")),
    );
    const transcript = fc.array(line, { minLength: 1, maxLength: 10 }).map((lines) => lines.join("\n"));
    const replies: Record<string, (input: string) => string> = {
      clean: fakeModelClean,
      same: (input) => input,
      merge: (input) => input.replace(/\n/g, " "),
      invent: (input) => `Speaker 9: ${input}`,
      drop: (input) => input.split("\n").slice(1).join("\n"),
      split: (input) => input.replace(/ /, "\n"),
      shout: (input) => input.toUpperCase(),
    };
    const labelsOf = (text: string) => text.split("\n").map((row) => splitSpeakerLabel(row)?.label ?? null);

    await fc.assert(
      fc.asyncProperty(
        transcript,
        fc.array(fc.constantFrom(...Object.keys(replies)), { minLength: 1 }),
        fc.integer({ min: 20, max: 120 }),
        fc.boolean(),
        async (text, picks, chunkChars, known) => {
          let call = 0;
          openai.useModel((input) => replies[picks[call++ % picks.length]!]!(input));
          const result = await cleaner({ chunkChars, concurrency: 2, maxRetries: 0 }).clean(text, {
            log: logs.logger,
            speakers: known ? speakers : undefined,
          });
          expect(labelsOf(result.text)).toEqual(labelsOf(text));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("never logs the transcript", () => {
    expect(logs.text()).not.toContain("sentence number");
    expect(logs.text()).not.toContain("Friday");
  });
});
