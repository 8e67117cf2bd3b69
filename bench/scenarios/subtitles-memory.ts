import { MiB, SPOKEN_WORDS, round, type BenchContext } from "../bench-kit.js";
import { highestGrowthOnFreshServers } from "../fresh-servers.js";

/**
 * A transcript answer as `POST /batch/process` gives one for a long diarized recording, of about `bytes`:
 * its words (most of it), turns of a few dozen words between three speakers, and both transcripts.
 */
function transcriptAnswer(bytes: number): string {
  const words: string[] = [];
  const turns: string[] = [];
  let size = 0;
  let start = 0;
  for (let turn = 0; size < bytes * 0.7; turn += 1) {
    const speaker = `Speaker ${turn % 3}`;
    const turnStart = start;
    const texts: string[] = [];
    for (let i = 0; i < 12 + (turn % 30); i += 1) {
      const word = SPOKEN_WORDS[(turn * 7 + i * 3) % SPOKEN_WORDS.length]!;
      const punctuated = i % 11 === 10 ? `${word}.` : word;
      const json = JSON.stringify({
        word,
        punctuated_word: punctuated,
        start,
        end: start + 0.31,
        confidence: 0.98,
        speaker,
      });
      words.push(json);
      texts.push(punctuated);
      size += json.length + 1;
      start = round(start + 0.4, 3);
    }
    turns.push(JSON.stringify({ speaker, start: turnStart, end: start, text: texts.join(" ") }));
  }
  const transcript = "so we think the release should ship after review. ".repeat(Math.ceil((bytes * 0.08) / 51));
  return `{"source":"audio","transcript":"${transcript}","cleaned_transcript":"${transcript}","language":null,"words":[${words.join(",")}],"utterances":[${turns.join(",")}]}`;
}

/**
 * 2b. Peak memory while a transcript answer sent back to `POST /batch/subtitles` is parsed and its subtitles
 * written (whole, on a text worker: a JSON body cannot be read a piece at a time as an upload is).
 */
export async function subtitlesMemory({ quick, record }: BenchContext) {
  console.error("2b. memory of subtitles from a transcript sent back");
  const size = quick ? 16 * MiB : 64 * MiB;
  const rounds = quick ? 1 : 3;
  const body = Buffer.from(transcriptAnswer(size));
  const highest = await highestGrowthOnFreshServers(
    `${round(body.length / MiB, 1)} MiB`,
    rounds,
    {},
    async (server) => {
      const send = (payload: Buffer | string) =>
        fetch(`${server.url}/batch/subtitles?format=srt`, {
          method: "POST",
          body: payload,
          headers: { "Content-Type": "application/json" },
        }).then(async (answer) => {
          const text = await answer.text();
          if (answer.status !== 200) throw new Error(`subtitles answered ${answer.status}: ${text.slice(0, 300)}`);
        });
      await send(transcriptAnswer(64 * 1024));
      return (await server.peakRssGrowthDuring(() => send(body))).growthBytes;
    },
  );
  record({
    scenario: `memory subtitles of a ${Math.round(body.length / MiB)} MiB transcript answer`,
    metric: `peak RSS growth MiB (highest of ${rounds} runs)`,
    ours: round(highest / MiB, 1),
    baseline: round(body.length / MiB, 1),
    ratio: round(highest / body.length, 2),
    target: "reported (ratio: growth per byte of the body)",
    met: null,
  });
}
