import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAiCleaner, type OpenAiCleanerOptions } from "../../app/cleaning/openai-cleaner.js";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
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

  it("cleans a long transcript in sentence chunks, concurrently but bounded, rejoined in order", async () => {
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
    await expect(cleaner().clean("Um, hi there.", { log: logs.logger })).resolves.toEqual({ text: "hi there.", cleaner: "openai" });
    expect(openai.chats).toHaveLength(2);
  });

  it("never fails the request: 5xx after retries, bad keys and truncated replies fall back to the rules", async () => {
    openai.script({ status: 500 }, { status: 500 }, { truncate: true }, { truncate: true });
    const text = "Um, first. Uh, second.";
    await expect(cleaner({ chunkChars: 1000 }).clean(text, { log: logs.logger })).resolves.toEqual({
      text: cleanWithRules(text),
      cleaner: "rules",
    });
    await expect(cleaner({ chunkChars: 1000 }).clean(text, { log: logs.logger })).resolves.toMatchObject({ cleaner: "rules" });
    await expect(cleaner({ apiKey: "sk-wrong" }).clean(text, { log: logs.logger })).resolves.toMatchObject({ cleaner: "rules" });
  });

  it("falls back when the model is slower than OPENAI_TIMEOUT_S", async () => {
    openai.script({ delayMs: 1500 }, { delayMs: 1500 });
    await expect(cleaner({ timeoutS: 1, maxRetries: 0 }).clean("Um, slow.", { log: logs.logger })).resolves.toEqual({
      text: "Slow.",
      cleaner: "rules",
    });
  });

  it("never logs the transcript", () => {
    expect(logs.text()).not.toContain("sentence number");
    expect(logs.text()).not.toContain("Friday");
  });
});
