import fc from "fast-check";
import type { Authenticator } from "../../app/auth/authenticator.js";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { fuzzCaseArb, jobReadCaseArb } from "./fuzz-cases.js";
import { contentFault, typeOf } from "./fuzz-oracles.js";
import { subtitlesCaseArb } from "./fuzz-json-cases.js";
import { memoryJobs } from "./memory-jobs.js";
import { listenTestApp } from "./listening-app.js";
import { rawRequest } from "./raw-http.js";

/** A transcriber that answers at once: random bytes that happen to look like audio still get a 2xx. */
const echoTranscriber: Transcriber = {
  provider: "deepgram",
  model: "nova-3",
  configured: true,
  transcribe: () =>
    Promise.resolve({
      transcript: "hello from the audio",
      provider: "deepgram",
      model: "nova-3",
      durationS: 1,
      requestId: "fuzz",
    }),
};

export interface FuzzReport {
  cases: number;
  byStatus: Record<string, number>;
  /** Cases that got no status line, a 5xx, a 4xx that is not problem+json, or a 200 whose content is broken. */
  failures: Array<{ status: number | undefined; ending: string; head: string; bodyBytes: number }>;
  aliveAfter: boolean;
  leftoverUploads: string[];
}

/**
 * Sends `cases` generated requests to a real listening server, `concurrency` at a time, and tallies the
 * answers. `/batch/jobs` runs on the job ports in memory: what is fuzzed is the edge, not the storage.
 */
export async function runFuzz({
  cases,
  seed,
  concurrency = 8,
  path = "/batch/process",
  target,
  authenticator,
  waitMs = 10_000,
}: {
  cases: number;
  seed?: number;
  concurrency?: number;
  path?: "/batch/process" | "/batch/jobs" | "job reads" | "/batch/subtitles";
  /** A running server to send to (`npm run fuzz -- --url`); without it one is started on loopback. */
  target?: URL;
  /** Verifies credentials on the server started here (else it trusts the identity headers). */
  authenticator?: Authenticator;
  /** How long a request may wait for its answer: past the target's upload idle limit, which answers a short body. */
  waitMs?: number;
}): Promise<FuzzReport> {
  const service =
    target === undefined
      ? await listenTestApp(
          {
            transcriber: echoTranscriber,
            maxUploadBytes: 64 * 1024,
            maxCaptionsBytes: 64 * 1024,
            maxTranscriptJsonBytes: 64 * 1024,
            uploadIdleTimeoutMs: 300,
            maxConcurrentRequests: 1_000,
            maxConcurrentRequestsPerTenant: 1_000,
            ...((path === "/batch/jobs" || path === "job reads") && { jobs: memoryJobs() }),
            // Webhooks configured, so a well-formed callback_url is taken (else it is a deliberate 503).
            webhooks: { allowPrivate: false, missing: [] },
            ...(authenticator !== undefined && { authenticator }),
          },
          { linger: { maxMs: 1_000, maxBytes: 1024 * 1024 } },
        )
      : runningServer(target);
  const report: FuzzReport = { cases, byStatus: {}, failures: [], aliveAfter: false, leftoverUploads: [] };
  try {
    const arbitrary =
      path === "job reads" ? jobReadCaseArb : path === "/batch/subtitles" ? subtitlesCaseArb : fuzzCaseArb;
    const samples = fc.sample(arbitrary, { numRuns: cases, ...(seed !== undefined && { seed }) });
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < samples.length; index = next++) {
        const sample = samples[index]!;
        const head = Buffer.from(
          path === "job reads" || path === "/batch/subtitles"
            ? sample.head.toString("latin1")
            : sample.head.toString("latin1").replace("POST /batch/process", `POST ${path}`),
          "latin1",
        );
        const answer = await rawRequest({
          port: service.port,
          host: "host" in service ? service.host : undefined,
          head,
          body: sample.body,
          halfClose: sample.halfClose,
          waitMs,
        });
        const key = answer.status === undefined ? "no answer" : String(answer.status);
        report.byStatus[key] = (report.byStatus[key] ?? 0) + 1;
        // A refusal the client cannot read (no problem+json) fails the run as a 5xx does.
        const unreadable =
          answer.status !== undefined && answer.status >= 400 && typeOf(answer) !== "application/problem+json";
        const fault = contentFault(answer, path);
        if (answer.status === undefined || answer.status >= 500 || unreadable || fault !== undefined) {
          report.failures.push({
            status: answer.status,
            ending: fault ?? answer.ending,
            head: sample.head.toString("latin1"),
            bodyBytes: sample.body.length,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    report.aliveAfter = (await fetch(`${service.url}/healthz`)).status === 200;
    report.leftoverUploads = await service.leftoverUploads();
  } finally {
    await service.close();
  }
  return report;
}

/** A server already running elsewhere on loopback: sent to as it is, its files not ours to count. */
function runningServer(url: URL) {
  return {
    port: Number(url.port || 80),
    host: url.hostname,
    url: url.origin,
    leftoverUploads: () => Promise.resolve([] as string[]),
    close: () => Promise.resolve(),
  };
}
