import { readFile } from "node:fs/promises";
import autocannon from "autocannon";
import { loopDelay } from "../loop-delay.js";
import { startFakeEventBridge } from "../fake-eventbridge.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../../tests/support/fake-deepgram.js";
import { MULTIPART_TYPE, multipartBody } from "../../tests/support/multipart.js";
import { startServerProcess, type ServerProcess } from "../../tests/support/server-process.js";
import {
  MiB,
  FIXTURES,
  AWS_TEST,
  AS_SHIPPED,
  SERVICE_ENTRY,
  median,
  round,
  spread,
  type BenchContext,
} from "../bench-kit.js";

async function load(url: string, body: Buffer, durationS: number) {
  const result = await autocannon({
    url: `${url}/batch/process`,
    method: "POST",
    headers: { "content-type": MULTIPART_TYPE },
    body,
    connections: 16,
    duration: durationS,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `load against ${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`,
    );
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** 1. The upload path against the least work that does the same job (audio and captions), at concurrency 16. */
export async function uploadOverhead({ quick, record }: BenchContext) {
  console.error("1. upload path overhead (concurrency 16), against the least work that does the same job");
  const deepgram = await startFakeDeepgram();
  const eventBridge = await startFakeEventBridge();
  const ours = await startServerProcess(
    {
      ...AS_SHIPPED,
      ...AWS_TEST,
      DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      AWS_ENDPOINT_URL: eventBridge.url,
    },
    { entry: SERVICE_ENTRY },
  );
  const passThrough = await startServerProcess(
    { DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: deepgram.url },
    { entry: ["--import", "tsx", "bench/baseline-server.ts", "pass-through"] },
  );
  const passThroughPublished = await startServerProcess(
    {
      ...AWS_TEST,
      DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      AWS_ENDPOINT_URL: eventBridge.url,
    },
    { entry: ["--import", "tsx", "bench/baseline-server.ts", "pass-through-publish"] },
  );
  const captionsInMemory = await startServerProcess(
    {},
    { entry: ["--import", "tsx", "bench/baseline-server.ts", "captions-memory"] },
  );
  const captionsPublished = await startServerProcess(
    { ...AWS_TEST, AWS_ENDPOINT_URL: eventBridge.url },
    { entry: ["--import", "tsx", "bench/baseline-server.ts", "captions-publish"] },
  );
  console.error(
    `  ours ${ours.url}, pass-through ${passThrough.url} (publishing ${passThroughPublished.url}), captions in memory ${captionsInMemory.url}, captions published ${captionsPublished.url}, Deepgram ${deepgram.url}`,
  );
  const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
  const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES), "utf8");
  const wavOf = (bytes: number) =>
    multipartBody([
      {
        name: "file",
        filename: "meeting.wav",
        content: Buffer.concat([wav.subarray(0, 44), Buffer.alloc(bytes - 44)]),
      },
    ]);
  const captionsBody = multipartBody([
    {
      name: "file",
      filename: "meeting.vtt",
      content: `${vtt}\n`.repeat(Math.ceil((20 * 1024) / vtt.length)).slice(0, 20 * 1024),
    },
  ]);
  const scenarios: Array<{
    name: string;
    body: Buffer;
    baseline: ServerProcess;
    throughputTarget: number | null;
    p50Target: number | null;
  }> = [
    { name: "1 MiB WAV", body: wavOf(MiB), baseline: passThrough, throughputTarget: 0.9, p50Target: 1.2 },
    // Full runs only: quick mode stays within its two minutes. Against the pass-through that also publishes
    // the event every job publishes, reported: how much of the gap that event is.
    ...(quick
      ? []
      : [
          { name: "16 MiB WAV", body: wavOf(16 * MiB), baseline: passThrough, throughputTarget: 0.9, p50Target: 1.2 },
          {
            name: "1 MiB WAV vs pass-through and publish",
            body: wavOf(MiB),
            baseline: passThroughPublished,
            throughputTarget: null,
            p50Target: null,
          },
        ]),
    // Against the least work a captions job needs (parse, publish one event, answer), the target; and against
    // parsing alone, reported (no implementation that publishes could reach half of it).
    {
      name: "20 KiB captions",
      body: captionsBody,
      baseline: captionsPublished,
      throughputTarget: 0.5,
      p50Target: null,
    },
    // Full runs only, as the 16 MiB WAV: quick mode stays within its two minutes.
    ...(quick
      ? []
      : [
          {
            name: "20 KiB captions vs parse only",
            body: captionsBody,
            baseline: captionsInMemory,
            throughputTarget: null,
            p50Target: null,
          },
        ]),
  ];
  const rounds = quick ? 2 : 5;
  const duration = quick ? 3 : 8;
  try {
    for (const { name, body, baseline, throughputTarget, p50Target } of scenarios) {
      const runs: Record<"ours" | "baseline", Array<Awaited<ReturnType<typeof load>>>> = { ours: [], baseline: [] };
      const delays: Record<"ours" | "baseline", Array<{ p99Ms: number; maxMs: number }>> = { ours: [], baseline: [] };
      await load(ours.url, body, 1);
      await load(baseline.url, body, 1);
      for (let i = 0; i < rounds; i += 1) {
        const order = i % 2 === 0 ? (["ours", "baseline"] as const) : (["baseline", "ours"] as const);
        for (const variant of order) {
          const url = variant === "ours" ? ours.url : baseline.url;
          await loopDelay(url);
          runs[variant].push(await load(url, body, duration));
          delays[variant].push(await loopDelay(url));
        }
      }
      const m = (variant: "ours" | "baseline", key: "rps" | "p50" | "p99") =>
        median(runs[variant].map((run) => run[key]));
      const ratios = (key: "rps" | "p50" | "p99") =>
        runs.ours.map((run, index) => run[key] / Math.max(runs.baseline[index]![key], 1));
      const throughput = spread(ratios("rps"));
      record({
        scenario: `upload ${name}`,
        metric: "throughput req/s",
        ours: round(m("ours", "rps"), 1),
        baseline: round(m("baseline", "rps"), 1),
        ratio: throughput[1],
        spread: throughput,
        target: throughputTarget === null ? "reported" : `>= ${throughputTarget} of baseline`,
        met: throughputTarget === null ? null : throughput[1] >= throughputTarget,
      });
      for (const key of ["p50", "p99"] as const) {
        const latency = spread(ratios(key));
        const target = key === "p50" && p50Target !== null ? p50Target : null;
        record({
          scenario: `upload ${name}`,
          metric: `latency ${key} ms`,
          ours: m("ours", key),
          baseline: m("baseline", key),
          ratio: latency[1],
          spread: latency,
          target: target === null ? "reported" : `<= ${target}x baseline`,
          met: target === null ? null : latency[1] <= target,
        });
      }
      // The baseline's own delay is the machine's share: a bare server under the same load on the same cores.
      const p99 = (variant: "ours" | "baseline") => median(delays[variant].map((delay) => delay.p99Ms));
      const max = (variant: "ours" | "baseline") => round(Math.max(...delays[variant].map((delay) => delay.maxMs)), 1);
      record({
        scenario: `upload ${name}`,
        metric: "event-loop delay p99 ms",
        ours: round(p99("ours"), 1),
        baseline: round(p99("baseline"), 1),
        ratio: null,
        spread: null,
        target: `p99 < 20 ms (max ours ${max("ours")}, baseline ${max("baseline")} ms)`,
        met: p99("ours") < 20,
      });
    }
  } finally {
    await Promise.all([
      ours.stop(),
      passThrough.stop(),
      passThroughPublished.stop(),
      captionsInMemory.stop(),
      captionsPublished.stop(),
      deepgram.close(),
      eventBridge.close(),
    ]);
  }
}
