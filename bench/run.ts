import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import autocannon from "autocannon";
import { pino } from "pino";
import { createOpenAiCleaner } from "../app/cleaning/openai-cleaner.js";
import { loadConfig } from "../app/config/config.js";
import { buildCompletedEvent, DETAIL_TYPE } from "../app/events/batch-processing-completed.js";
import { createEventBridgePublisher } from "../app/events/eventbridge-publisher.js";
import { eventBridgeClient } from "../app/events/publisher-factory.js";
import { EVENT_LOOP_SAMPLING_MS } from "../app/observability/metrics.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../tests/support/fake-deepgram.js";
import { FAKE_OPENAI_KEY } from "../tests/support/fake-openai.js";
import { MULTIPART_TYPE, multipartBody } from "../tests/support/multipart.js";
import { startServerProcess, type ServerProcess } from "../tests/support/server-process.js";
import { streamedUpload } from "../tests/support/streamed-upload.js";
import { startFakeEventBridge } from "./fake-eventbridge.js";
import { startPacedChatServer } from "./paced-chat-server.js";
import { PROVIDER_SECONDS_PER_JOB, workerScaling } from "./worker-scaling.js";

/**
 * `npm run bench [-- --quick]`: the service against the limits of its stack, each scenario alternating ours
 * and a baseline for several rounds on loopback, reporting medians and ratios. Results go to
 * bench/results.json. External services are local servers that answer at once (or at a set pace).
 */
const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" } } });
const quick = values.quick;
const MiB = 1024 * 1024;
const FIXTURES = new URL("../tests/fixtures/", import.meta.url);
const silent = pino({ level: "silent" });
const AWS_TEST = { AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench", AWS_REGION: "us-east-1" };
/**
 * What the image sets (Dockerfile `ENV`) and the service's own default log level (the test harness starts
 * servers at `debug`, five lines a request), so the service is measured as it runs.
 */
const AS_SHIPPED = { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? "--max-semi-space-size=2", LOG_LEVEL: "info" };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Row {
  scenario: string;
  metric: string;
  ours: number;
  baseline: number | null;
  ratio: number | null;
  /** Min, median and max of the ratio over the rounds, where there are rounds. */
  spread?: [number, number, number] | null;
  target: string;
  met: boolean | null;
}
const rows: Row[] = [];
function record(row: Row) {
  rows.push(row);
  const ratio = row.ratio === null ? "" : ` ratio ${row.ratio}${row.spread ? ` (${row.spread.join("/")})` : ""}`;
  console.error(
    `  ${row.scenario} / ${row.metric}: ours ${row.ours}${row.baseline === null ? "" : `, baseline ${row.baseline}`}${ratio}`,
  );
}

// 1. Upload path overhead -----------------------------------------------------------------------------------

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

/**
 * The event loop's delay in the server since the last scrape (prom-client resets its histogram on each):
 * its figures are intervals between samples, so the sampling interval is taken off to leave the delay.
 */
async function loopDelay(url: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) =>
    Math.max(
      0,
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000 -
        EVENT_LOOP_SAMPLING_MS,
    );
  return { p99Ms: gauge("nodejs_eventloop_lag_p99_seconds"), maxMs: gauge("nodejs_eventloop_lag_max_seconds") };
}

/** Min, median and max of the per-round ratios: the spread tells signal from noise. */
const spread = (values: number[]): [number, number, number] => [
  round(Math.min(...values)),
  round(median(values)),
  round(Math.max(...values)),
];

async function uploadOverhead() {
  console.error("1. upload path overhead (concurrency 16), against the least work that does the same job");
  const deepgram = await startFakeDeepgram();
  const eventBridge = await startFakeEventBridge();
  const ours = await startServerProcess({
    ...AS_SHIPPED,
    ...AWS_TEST,
    DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
    DEEPGRAM_BASE_URL: deepgram.url,
    AWS_ENDPOINT_URL: eventBridge.url,
  });
  const passThrough = await startServerProcess(
    { DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY, DEEPGRAM_BASE_URL: deepgram.url },
    { entry: ["--import", "tsx", "bench/baseline-server.ts", "pass-through"] },
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
    `  ours ${ours.url}, pass-through ${passThrough.url}, captions in memory ${captionsInMemory.url}, captions published ${captionsPublished.url}, Deepgram ${deepgram.url}`,
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
    // Full runs only: quick mode stays within its two minutes.
    ...(quick
      ? []
      : [{ name: "16 MiB WAV", body: wavOf(16 * MiB), baseline: passThrough, throughputTarget: 0.9, p50Target: 1.2 }]),
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
      captionsInMemory.stop(),
      captionsPublished.stop(),
      deepgram.close(),
      eventBridge.close(),
    ]);
  }
}

// 2. Memory under big uploads -----------------------------------------------------------------------------

async function peakGrowth(server: ServerProcess, bytes: number, head: Buffer): Promise<number> {
  await streamedUpload(`${server.url}/batch/process`, { head, fileBytes: 4 * MiB });
  const { result, growthBytes } = await server.peakRssGrowthDuring(() =>
    streamedUpload(`${server.url}/batch/process`, { head, fileBytes: bytes }),
  );
  if (result === "aborted" || result.status !== 200)
    throw new Error(`upload of ${bytes} bytes failed: ${JSON.stringify(result)}`);
  return growthBytes;
}

async function memory() {
  console.error("2. memory under big uploads");
  const deepgram = await startFakeDeepgram();
  const head = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
  const sizes = quick ? [256 * MiB, 512 * MiB] : [256 * MiB, 1024 * MiB];
  const baselineSize = quick ? 64 * MiB : 256 * MiB;
  const growth: number[] = [];
  try {
    for (const size of sizes) {
      const server = await startServerProcess({
        ...AS_SHIPPED,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        MAX_UPLOAD_BYTES: String(2 * size),
      });
      try {
        growth.push(await peakGrowth(server, size, head));
      } finally {
        await server.stop();
      }
    }
    const parseBody = await startServerProcess(
      {},
      { entry: ["--import", "tsx", "bench/baseline-server.ts", "parse-body"] },
    );
    let baselineGrowth: number;
    try {
      baselineGrowth = await peakGrowth(parseBody, baselineSize, head);
    } finally {
      await parseBody.stop();
    }
    const largest = sizes.at(-1)!;
    const extrapolated = (baselineGrowth / baselineSize) * largest;
    record({
      scenario: `memory ${largest / MiB} MiB upload`,
      metric: "peak RSS growth MiB",
      ours: round(growth.at(-1)! / MiB, 1),
      baseline: round(extrapolated / MiB, 1),
      ratio: round(growth.at(-1)! / extrapolated, 3),
      target: "ours < 64 MiB",
      met: growth.at(-1)! < 64 * MiB,
    });
    record({
      scenario: "memory flatness",
      metric: `growth ${largest / MiB} MiB / growth ${sizes[0]! / MiB} MiB`,
      ours: round(growth.at(-1)! / Math.max(growth[0]!, 1), 2),
      baseline: round(largest / sizes[0]!, 2),
      ratio: null,
      target: "flat (close to 1, vs the size ratio)",
      met: growth.at(-1)! < 64 * MiB && growth.at(-1)! / Math.max(growth[0]!, 1) < 2,
    });
    record({
      scenario: "memory parseBody() baseline",
      metric: `peak RSS growth MiB for ${baselineSize / MiB} MiB`,
      ours: round(baselineGrowth / MiB, 1),
      baseline: null,
      ratio: null,
      target: "reported (per byte, extrapolated above)",
      met: null,
    });
  } finally {
    await deepgram.close();
  }
}

// 3. Long-transcript cleaning ----------------------------------------------------------------------------

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

async function cleaning() {
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

// 4. Publishing ---------------------------------------------------------------------------------------------

/** A completed event whose two transcripts are about `transcriptChars` long each. */
const completedEvent = (transcriptChars: number) =>
  buildCompletedEvent({
    interactionId: "550e8400-e29b-41d4-a716-446655440000",
    tenantId: "660e8400-e29b-41d4-a716-446655440000",
    userId: "bench",
    accountId: null,
    rawTranscript: "the raw words ".repeat(Math.ceil(transcriptChars / 14)),
    cleanedTranscript: "The cleaned words. ".repeat(Math.ceil(transcriptChars / 19)),
    completedAt: new Date(),
  });

async function publishing() {
  console.error("4. publishing");
  const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
  const publisherFor = (endpoint: string) =>
    createEventBridgePublisher({
      client: eventBridgeClient("us-east-1", { endpoint, credentials }),
      busName: "default",
      source: "com.yourapp.transcription",
      budgetMs: 10_000,
      attemptTimeoutMs: 3_000,
      maxEntryBytes: MiB,
    });

  const fast = await startFakeEventBridge();
  const publisher = publisherFor(fast.url);
  // The SDK as it comes: its default client, one bare PutEvents call.
  const bare = new EventBridgeClient({ region: "us-east-1", endpoint: fast.url, maxAttempts: 1, credentials });
  const total = quick ? 400 : 2_000;
  try {
    // A short meeting's event, and a long one's (~100 KB: the size where how the SDK writes JSON shows).
    for (const [size, detail] of [
      ["6 KB event", completedEvent(2_800)],
      ["100 KB event", completedEvent(50_000)],
    ] as const) {
      const latencies: Record<"ours" | "bare", number[]> = { ours: [], bare: [] };
      for (let block = 0; block < total / 50; block += 1) {
        for (const variant of block % 2 === 0 ? (["ours", "bare"] as const) : (["bare", "ours"] as const)) {
          for (let i = 0; i < 50 / 2; i += 1) {
            const started = performance.now();
            if (variant === "ours") await publisher.publish(detail, { log: silent });
            else
              await bare.send(
                new PutEventsCommand({
                  Entries: [
                    {
                      Source: "com.yourapp.transcription",
                      DetailType: DETAIL_TYPE,
                      Detail: JSON.stringify(detail),
                      EventBusName: "default",
                    },
                  ],
                }),
              );
            latencies[variant].push(performance.now() - started);
          }
        }
      }
      for (const p of [50, 99]) {
        const ours = percentile(latencies.ours, p);
        const base = percentile(latencies.bare, p);
        record({
          scenario: `publish ${size}`,
          metric: `latency p${p} ms (added ${round(ours - base)} ms)`,
          ours: round(ours),
          baseline: round(base),
          ratio: round(ours / base),
          target: "reported",
          met: null,
        });
      }
    }
  } finally {
    await fast.close();
  }

  const detail = completedEvent(2_800);
  const throttling = await startFakeEventBridge({ throttleShare: 0.1 });
  const throttled = publisherFor(throttling.url);
  const outcomes: number[] = [];
  let published = 0;
  const count = quick ? 200 : 1_000;
  try {
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const outcome = await throttled.publish(detail, { log: silent });
      outcomes.push(performance.now() - started);
      if (outcome.status === "published") published += 1;
    }
  } finally {
    await throttling.close();
  }
  record({
    scenario: "publish with 10% throttled",
    metric: "share published %",
    ours: round((published / count) * 100, 1),
    baseline: null,
    ratio: null,
    target: "100%",
    met: published === count,
  });
  record({
    scenario: "publish with 10% throttled",
    metric: "latency p99 ms",
    ours: round(percentile(outcomes, 99)),
    baseline: null,
    ratio: null,
    target: "reported",
    met: null,
  });
}

// -----------------------------------------------------------------------------------------------------------

// 5. Worker scaling ----------------------------------------------------------------------------------------

async function workers() {
  const jobs = quick ? 16 : 200;
  console.error(`workers: ${jobs} jobs, 1 s each at the provider, 1, 2 and 4 processes of one, and 2 of 4`);
  const shapes = [
    { processes: 1, concurrency: 1 },
    // Quick runs skip two processes of one: the line from one to four is drawn without it.
    ...(quick ? [] : [{ processes: 2, concurrency: 1 }]),
    { processes: 4, concurrency: 1 },
    { processes: 2, concurrency: 4 },
  ];
  const results = await workerScaling(jobs, shapes);
  const one = results[0]!;
  for (const result of results) {
    const ratio = round(result.jobsPerSecond / one.jobsPerSecond);
    const shape = `${result.processes} process${result.processes === 1 ? "" : "es"} x ${result.concurrency}`;
    record({
      scenario: `workers ${jobs} jobs x 1 s`,
      metric: `jobs/s with ${result.workers} worker${result.workers === 1 ? "" : "s"} (${shape})`,
      ours: round(result.jobsPerSecond),
      baseline: result.workers === 1 ? null : round(one.jobsPerSecond),
      ratio: result.workers === 1 ? null : ratio,
      target: result.workers === 4 ? ">= 3x one worker" : "reported",
      met: result.workers === 4 ? ratio >= 3 : null,
    });
    // Against the ideal: each worker finishing one job per provider second, nothing else costing time.
    const perWorker = result.jobsPerSecond / result.workers;
    record({
      scenario: `workers ${jobs} jobs x 1 s`,
      metric: `jobs/s per worker at ${result.workers} (${shape}); ideal ${round(1 / PROVIDER_SECONDS_PER_JOB)}`,
      ours: round(perWorker),
      baseline: round(1 / PROVIDER_SECONDS_PER_JOB),
      ratio: round(perWorker * PROVIDER_SECONDS_PER_JOB),
      target: "reported (share of linear)",
      met: null,
    });
  }
}

const scenarios = { upload: uploadOverhead, memory, cleaning, publishing, workers };
const started = Date.now();
for (const [name, run] of Object.entries(scenarios)) {
  if (values.only !== undefined && values.only !== name) continue;
  const scenarioStarted = Date.now();
  await run();
  console.error(`  (${name}: ${Math.round((Date.now() - scenarioStarted) / 1000)} s)`);
}

const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
// A run of some scenarios keeps the last figures of the others.
const earlier =
  values.only === undefined
    ? []
    : ((
        JSON.parse(await readFile(new URL("./results.json", import.meta.url), "utf8").catch(() => "{}")) as {
          rows?: Row[];
        }
      ).rows ?? []);
const ran = new Set(rows.map((row) => row.scenario));
const results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  duration_s: Math.round((Date.now() - started) / 1000),
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
  },
  commit,
  rows: [...earlier.filter((row) => !ran.has(row.scenario)), ...rows],
};
await writeFile(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);

const table = [
  "| scenario | metric | ours | baseline | ratio | ratio min / median / max | target | met |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (row) =>
      `| ${row.scenario} | ${row.metric} | ${row.ours} | ${row.baseline ?? ""} | ${row.ratio ?? ""} | ${row.spread ? row.spread.join(" / ") : ""} | ${row.target} | ${row.met === null ? "" : row.met ? "yes" : "NO"} |`,
  ),
];
console.log(
  `\n${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}, commit ${commit}, ${results.mode} run in ${results.duration_s} s\n`,
);
console.log(table.join("\n"));
