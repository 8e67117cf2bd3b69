import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHORT_ANSWER_BYTES, createAnswerKeeper, readProviderAnswer } from "../../app/transcription/provider-answer.js";
import { AnswerRoomRefused } from "../../app/transcription/provider-retry.js";
import { drain, listenOnLoopback, type LocalServer } from "../support/local-server.js";
import { defaultOptions } from "../support/option-policies.js";
import { listenResponse } from "../support/fake-deepgram.js";
import { transcriptionAnswer } from "../support/fake-openai.js";

const asked = defaultOptions({ provider: "deepgram", model: "nova-3" });

/** A long diarized answer whose words and turns are not ASCII: a split can fall inside a character. */
function diarizedAnswer(words: number) {
  const spoken = Array.from({ length: words }, (_, index) => (index % 5 === 0 ? "Olá," : `ça${index}😀`)).join(" ");
  const body = listenResponse(spoken, "req-1");
  const alternative = body.results.channels[0]!.alternatives[0]!;
  const withSpeakers = alternative.words.map((word, index) => ({ ...word, speaker: index % 2 }));
  return {
    ...body,
    results: {
      channels: [{ alternatives: [{ ...alternative, words: withSpeakers }] }],
      utterances: [
        { start: 0, end: 1, transcript: "Olá, ça1😀", speaker: 0, confidence: 0.9, channel: 0, words: [], id: "u1" },
        { start: 1, end: 2, transcript: "ça2😀", speaker: 1, confidence: 0.9, channel: 0, words: [], id: "u2" },
      ],
    },
  };
}

/** The bytes cut at the given points, in order. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [0, ...points.map((point) => point % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
  return at.slice(1).map((end, index) => bytes.slice(at[index], end));
}

describe("reading a provider's answer from its bytes", () => {
  const bytes = new TextEncoder().encode(JSON.stringify(diarizedAnswer(300)));
  const whole = readProviderAnswer({ provider: "deepgram", chunks: [bytes] }, asked);

  it("reads Deepgram's words, turns and transcript", () => {
    expect(whole).toMatchObject({
      provider: "deepgram",
      requestId: "req-1",
      transcript: "Speaker 0: Olá, ça1😀\nSpeaker 1: ça2😀",
      utterances: [
        { speaker: "Speaker 0", start: 0, end: 1, text: "Olá, ça1😀" },
        { speaker: "Speaker 1", start: 1, end: 2, text: "ça2😀" },
      ],
    });
    expect(whole?.words).toHaveLength(300);
    expect(whole?.words?.[1]).toEqual({
      word: "ça",
      punctuated_word: "ça1😀",
      start: 0.3,
      end: 0.55,
      confidence: 0.98,
      speaker: "Speaker 1",
    });
  });

  it("reads the same transcription however the bytes were cut in transit, inside a character too", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
        expect(readProviderAnswer({ provider: "deepgram", chunks: cut(bytes, points) }, asked)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ["no bytes", ""],
    ["half an answer", JSON.stringify(diarizedAnswer(3)).slice(0, 200)],
    ["a page from a proxy", "<html><body>Bad gateway</body></html>"],
    ["JSON of another shape", JSON.stringify({ metadata: {}, results: { channels: [] } })],
    ["a JSON string", JSON.stringify("transcript")],
    ["null", "null"],
  ])("reads %s as no answer", (_, text) => {
    expect(
      readProviderAnswer({ provider: "deepgram", chunks: [new TextEncoder().encode(text)] }, asked),
    ).toBeUndefined();
  });
});

describe("times in a provider's answer that are not times", () => {
  // JSON's `1e400` parses as Infinity, which an answer or an event would write as `null`.
  const read = (provider: "deepgram" | "openai", text: string) =>
    readProviderAnswer({ provider, chunks: [new TextEncoder().encode(text)] }, asked);

  it.each([
    ["an Infinity", "1e400"],
    ["a time before the start", "-0.5"],
    ["a time past 100,000 hours", "360000001"],
  ])("leave out Deepgram's words, turns or duration with %s, the rest kept", (_, time) => {
    const answer = JSON.stringify(diarizedAnswer(3));
    const words = answer.replace('"start":0.3', `"start":${time}`);
    const turns = answer.replace('"start":1,"end":2', `"start":1,"end":${time}`);
    const duration = answer.replace(/"duration":[\d.]+/, `"duration":${time}`);
    expect(words).not.toBe(answer);
    expect(turns).not.toBe(answer);
    expect(duration).not.toBe(answer);
    const withoutWords = read("deepgram", words);
    expect(withoutWords?.words).toBeUndefined();
    expect(withoutWords?.utterances).toEqual(whole3.utterances);
    const withoutTurns = read("deepgram", turns);
    expect(withoutTurns?.utterances).toBeUndefined();
    expect(withoutTurns?.words).toEqual(whole3.words);
    expect(withoutTurns?.transcript).toBe(diarizedAnswer(3).results.channels[0]!.alternatives[0]!.transcript);
    const withoutDuration = read("deepgram", duration);
    expect(withoutDuration?.durationS).toBeNull();
    expect(withoutDuration?.words).toEqual(whole3.words);
  });

  it("leaves out an OpenAI-compatible server's segments and words with an Infinity, its text kept", () => {
    const text = `{"text":"We ship.","duration":1e400,"segments":[{"start":0,"end":1e400,"text":"We ship."}],"words":[{"word":"We","start":-1,"end":0.5}]}`;
    const answer = readProviderAnswer(
      { provider: "openai", chunks: [new TextEncoder().encode(text)] },
      defaultOptions({ provider: "openai", model: "whisper-1" }),
    );
    expect(answer).toMatchObject({ transcript: "We ship.", durationS: null });
    expect(answer?.utterances).toBeUndefined();
    expect(answer?.words).toBeUndefined();
  });
});

const whole3 = readProviderAnswer(
  { provider: "deepgram", chunks: [new TextEncoder().encode(JSON.stringify(diarizedAnswer(3)))] },
  asked,
)!;

describe("reading an OpenAI-compatible server's answer from its bytes", () => {
  const asked = defaultOptions({ provider: "openai", model: "gpt-4o-transcribe-diarize" });
  const segments = Array.from({ length: 40 }, (_, index) => ({
    start: index * 2,
    end: index * 2 + 1.5,
    text: index % 2 === 0 ? "Olá, ça va 😀" : "We ship on Friday.",
    speaker: index % 2 === 0 ? "A" : "agent",
  }));
  const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

  it("reads a diarizing model's turns as the transcript, however the bytes were cut", () => {
    const bytes = encode(transcriptionAnswer({ response_format: "diarized_json" }, "all of it", segments, "english"));
    const whole = readProviderAnswer({ provider: "openai", chunks: [bytes] }, asked);
    expect(whole?.utterances).toHaveLength(40);
    expect(whole?.transcript.split("\n").slice(0, 2)).toEqual([
      "Speaker A: Olá, ça va 😀",
      "agent: We ship on Friday.",
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 20 }), (points) => {
        expect(readProviderAnswer({ provider: "openai", chunks: cut(bytes, points) }, asked)).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it("reads Whisper's words with their timings", () => {
    const body = transcriptionAnswer(
      { response_format: "verbose_json", "timestamp_granularities[]": "word,segment" },
      "We ship.",
      [{ start: 0, end: 1, text: "We ship." }],
      "english",
    );
    const read = readProviderAnswer({ provider: "openai", chunks: [encode(body)] }, { ...asked, model: "whisper-1" });
    expect(read?.words).toEqual([
      { word: "we", punctuated_word: "We", start: 0, end: 0.5, confidence: null },
      { word: "ship", punctuated_word: "ship.", start: 0.5, end: 1, confidence: null },
    ]);
    expect(read?.language).toEqual({ code: "en", detected: true, confidence: null });
  });

  it.each([
    ["no text", { segments: [] }],
    ["a list", [{ text: "hi" }]],
  ])("reads an answer with %s as none", (_, body) => {
    expect(readProviderAnswer({ provider: "openai", chunks: [encode(body)] }, asked)).toBeUndefined();
  });
});

describe("an attempt's answer keeper and the text budget", () => {
  let server: LocalServer;
  let answer = Buffer.alloc(0);
  beforeAll(async () => {
    server = await listenOnLoopback(async (request, response) => {
      await drain(request);
      response.writeHead(200, { "content-type": "application/json", "content-length": String(answer.length) });
      response.end(answer);
    });
  });
  afterAll(() => server.close());

  /** The keeper's call, the room it asked for, and the waits it made with the attempt's timeout stopped. */
  function keep(bytes: number, room: (bytes: number) => Promise<void> = () => Promise.resolve()) {
    answer = Buffer.from(JSON.stringify({ text: "x".repeat(bytes - 12) }));
    const asked: number[] = [];
    let paused = 0;
    const keeper = createAnswerKeeper(
      1024 * 1024,
      (bytes) => {
        asked.push(bytes);
        return room(bytes);
      },
      (waiting) => {
        paused += 1;
        return waiting;
      },
    );
    const kept = keeper.kept(keeper.fetch(server.url, { method: "POST", body: "{}" }));
    return { kept, asked, paused: () => paused };
  }

  it("asks room for a long answer's length, with the attempt's timeout stopped while it waits", async () => {
    const { kept, asked, paused } = keep(200_000);
    expect(Buffer.concat(await kept).length).toBe(answer.length);
    expect(asked).toEqual([answer.length]);
    expect(paused()).toBe(1);
  });

  it("asks none for a short answer", async () => {
    const { kept, asked, paused } = keep(SHORT_ANSWER_BYTES);
    expect(Buffer.concat(await kept).length).toBe(answer.length);
    expect(asked).toEqual([]);
    expect(paused()).toBe(0);
  });

  it("refused, ends the call with the refusal, marked as no room rather than the provider failing", async () => {
    const busy = new Error("no room");
    const { kept } = keep(200_000, () => Promise.reject(busy));
    const error = await kept.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnswerRoomRefused);
    expect((error as AnswerRoomRefused).refusal).toBe(busy);
  });
});
