import { readFile } from "node:fs/promises";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../../tests/support/fake-deepgram.js";
import { startServerProcess } from "../../tests/support/server-process.js";
import {
  AS_SHIPPED,
  FIXTURES,
  MiB,
  SERVICE_ENTRY,
  SPOKEN_WORDS,
  median,
  round,
  type BenchContext,
} from "../bench-kit.js";
import { loopDelay } from "../loop-delay.js";

/**
 * Deepgram's answer for a diarized recording of `hours` at 150 words a minute, as its API documents it with
 * `utterances=true`: every word with its timings, confidence and speaker, and turns of 20 words that repeat
 * their words. Ten hours is about 28 MB.
 */
function longListenResponse(hours: number) {
  const words = Array.from({ length: Math.round(hours * 60 * 150) }, (_, index) => {
    const word = SPOKEN_WORDS[index % SPOKEN_WORDS.length]!;
    const start = round(index * 0.4, 3);
    return {
      word,
      start,
      end: round(start + 0.3, 3),
      confidence: 0.93,
      punctuated_word: index % 20 === 19 ? `${word}.` : word,
      speaker: Math.floor(index / 20) % 3,
      speaker_confidence: 0.8,
    };
  });
  const utterances = Array.from({ length: Math.ceil(words.length / 20) }, (_, turn) => {
    const own = words.slice(turn * 20, turn * 20 + 20);
    return {
      start: own[0]!.start,
      end: own.at(-1)!.end,
      confidence: 0.9,
      channel: 0,
      transcript: own.map((word) => word.punctuated_word).join(" "),
      words: own,
      speaker: own[0]!.speaker,
      id: `utterance-${turn}`,
    };
  });
  const transcript = words.map((word) => word.punctuated_word).join(" ");
  return {
    metadata: { request_id: "long-recording", duration: words.at(-1)!.end, channels: 1 },
    results: { channels: [{ alternatives: [{ transcript, confidence: 0.9, words }] }], utterances },
  };
}

/**
 * 1b. The event loop while a long recording's answer is read and answered: Deepgram's answer (tens of
 * megabytes of JSON) is parsed, checked and turned into words, the transcript cleaned, and the answer with
 * every word streamed to a client on the same host, which reads as fast as it is written.
 */
export async function longAnswer({ quick, record }: BenchContext) {
  console.error("1b. event loop during a long recording's answer");
  const hours = quick ? 2.5 : 10;
  const rounds = quick ? 2 : 5;
  const body = longListenResponse(hours);
  const deepgram = await startFakeDeepgram({ body });
  const server = await startServerProcess(
    { ...AS_SHIPPED, DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: deepgram.url },
    { entry: SERVICE_ENTRY },
  );
  const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
  const maxima: number[] = [];
  const seconds: number[] = [];
  let answerBytes = 0;
  try {
    for (let run = 0; run < rounds; run += 1) {
      const form = new FormData();
      form.set("file", new Blob([wav], { type: "audio/wav" }), "meeting.wav");
      await loopDelay(server.url);
      const started = performance.now();
      const answer = await fetch(`${server.url}/batch/process`, { method: "POST", body: form });
      const text = await answer.text();
      if (answer.status !== 200) throw new Error(`long answer: ${answer.status} ${text.slice(0, 300)}`);
      seconds.push((performance.now() - started) / 1000);
      maxima.push((await loopDelay(server.url)).maxMs);
      answerBytes = Buffer.byteLength(text);
    }
  } finally {
    await server.stop();
    await deepgram.close();
  }
  const providerBytes = Buffer.byteLength(JSON.stringify(body));
  console.error(
    `  ${hours} h: Deepgram's answer ${round(providerBytes / MiB, 1)} MiB, ours ${round(answerBytes / MiB, 1)} MiB in ${seconds.map((s) => round(s, 2)).join(", ")} s; loop max ${maxima.map((ms) => round(ms, 1)).join(", ")} ms`,
  );
  const highest = Math.max(...maxima);
  record({
    scenario: `1b. loop during a ${hours}-hour recording's answer (Deepgram's ${Math.round(providerBytes / MiB)} MiB)`,
    metric: `event-loop delay max ms (highest of ${rounds} requests; median ${round(median(maxima), 1)})`,
    ours: round(highest, 1),
    baseline: null,
    ratio: null,
    target: "< 100 ms",
    met: highest < 100,
  });
}
