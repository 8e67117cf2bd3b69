import { createOpenAiCleaner } from "../../app/cleaning/openai-cleaner.js";
import { loadConfig } from "../../app/config/config.js";
import { FAKE_OPENAI_KEY } from "../../tests/support/fake-openai.js";
import { startPacedChatServer } from "../paced-chat-server.js";
import { silent, median, round, type BenchContext } from "../bench-kit.js";

function longTranscript(words: number): { text: string; sentences: number } {
  const vocabulary = [
    "so",
    "we",
    "think",
    "the",
    "release",
    "should",
    "ship",
    "after",
    "review",
    "and",
    "docs",
    "update",
    "team",
    "agrees",
    "timeline",
  ];
  const sentences: string[] = [];
  let count = 0;
  for (let s = 0; count < words; s += 1) {
    const length = 8 + (s % 9);
    const body = Array.from({ length }, (_, i) => vocabulary[(s * 7 + i * 3) % vocabulary.length]);
    sentences.push(`Um, marker${s} ${body.join(" ")}.`);
    count += length + 2;
  }
  return { text: sentences.join(" "), sentences: sentences.length };
}

/** 3. A long transcript through the OpenAI cleaner in chunks, against one request for the whole text. */
export async function cleaning({ quick, record }: BenchContext) {
  console.error("3. long-transcript cleaning");
  const tokensPerSecond = 2_000;
  const chat = await startPacedChatServer({ tokensPerSecond });
  const words = quick ? 10_000 : 30_000;
  const { text, sentences } = longTranscript(words);
  const options = { apiKey: FAKE_OPENAI_KEY, baseUrl: chat.baseUrl, model: "gpt-4o", timeoutS: 600, maxRetries: 0 };
  // The service's defaults: CLEANER_CHUNK_CHARS and CLEANER_CONCURRENCY as an unconfigured deployment runs them.
  const { chunkChars, concurrency } = loadConfig({}).cleaner;
  const chunked = createOpenAiCleaner({ ...options, chunkChars, concurrency });
  const single = createOpenAiCleaner({ ...options, chunkChars: text.length + 1, concurrency: 1 });
  const times: Record<"chunked" | "single", number[]> = { chunked: [], single: [] };
  const rounds = quick ? 1 : 2;
  try {
    for (let i = 0; i < rounds; i += 1) {
      for (const [name, cleaner] of Object.entries({ chunked, single }) as Array<
        ["chunked" | "single", typeof chunked]
      >) {
        const started = performance.now();
        const result = await cleaner.clean(text, { log: silent });
        times[name].push((performance.now() - started) / 1000);
        const markers = [...result.text.matchAll(/marker(\d+)/g)].map((match) => Number(match[1]));
        const complete =
          result.cleaner === "openai" &&
          markers.length === sentences &&
          markers.every((marker, index) => marker === index);
        if (!complete)
          throw new Error(
            `${name} cleaning lost or reordered text (cleaner ${result.cleaner}, ${markers.length}/${sentences} sentences)`,
          );
      }
    }
  } finally {
    await chat.close();
  }
  const speedup = round(median(times.single) / median(times.chunked), 2);
  record({
    scenario: `cleaning ${words} words at ${tokensPerSecond} tokens/s`,
    metric: "wall time s",
    ours: round(median(times.chunked), 2),
    baseline: round(median(times.single), 2),
    ratio: speedup,
    target: ">= 5x faster than one request; output complete",
    met: speedup >= 5,
  });
}
