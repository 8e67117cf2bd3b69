import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventPublisher } from "../../app/events/event-publisher.js";
import { type Transcriber } from "../../app/transcription/transcriber.js";
import { ProviderFailure } from "../../app/domain/failures.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { listenTestApp } from "../support/listening-app.js";
import { MULTIPART_TYPE, multipartBody } from "../support/multipart.js";
import { rawRequest, type RawAnswer } from "../support/raw-http.js";
import { FIXTURES } from "../support/test-app.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { createApiKeyAuthenticator, sha256Hex } from "../../app/auth/api-key-authenticator.js";
import { createMemoryIdempotencyStore } from "../../app/idempotency/idempotency-store.js";
import { fingerprintOf } from "../../app/http/upload/idempotency.js";
import { defaultOptions } from "../support/option-policies.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { DEFAULT_SUBTITLE_LAYOUT } from "../../app/subtitles/subtitle-cues.js";
import type { JobResult } from "../../app/jobs/job-result.js";

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        responses: Record<
          string,
          { headers?: Record<string, { schema: object }>; content?: Record<string, { schema: object }> }
        >;
      }
    >
  >;
}

const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

/** A transcriber whose next answer the test chooses, to reach every documented provider status. */
let providerMode: "ok" | "crash" | "fail" | "timeout" | "unconfigured" = "ok";
const scriptedTranscriber: Transcriber = {
  provider: "deepgram",
  model: "nova-3",
  configured: true,
  transcribe() {
    switch (providerMode) {
      case "ok":
        return Promise.resolve({
          transcript: "we ship on friday",
          provider: "deepgram",
          model: "nova-3",
          durationS: 1,
          requestId: "r-1",
        });
      case "crash":
        return Promise.reject(new Error("a bug of ours"));
      case "fail":
        return Promise.reject(
          new ProviderFailure("failed", "deepgram", "Deepgram answered 401.", { status: 401, attempts: 1 }),
        );
      case "timeout":
        return Promise.reject(
          new ProviderFailure("timeout", "deepgram", "Deepgram did not answer in time.", { attempts: 1 }),
        );
      case "unconfigured":
        return Promise.reject(
          new ProviderFailure("not_configured", "deepgram", "Set DEEPGRAM_API_KEY.", { variable: "DEEPGRAM_API_KEY" }),
        );
    }
  },
};
const publisher: EventPublisher = {
  state: "enabled",
  publish: () => Promise.resolve({ status: "published", eventId: "evt-1", attempts: 1 }),
};

function upload(port: number, content: Buffer, extra = "", path = "/batch/process") {
  const body = multipartBody([{ name: "file", filename: "upload.bin", content }]);
  return rawRequest({
    port,
    head: `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}\r\n${extra}\r\n`,
    body,
  });
}
const TENANT = "11111111-1111-4111-8111-111111111111";
const idempotencyStore = createMemoryIdempotencyStore({ ttlS: 3600 });
const jobs = memoryJobs();
/** A completed job's result, as a worker writes it: with words, and then without any timings. */
const timedResult: JobResult = {
  raw_transcript: "Speaker 0: Hello there.",
  cleaned_transcript: "Speaker 0: Hello there.",
  cleaner: "rules",
  source: "audio",
  metadata: { provider: "deepgram", model: "nova-3", duration_s: 1, request_id: null },
  words: [
    { word: "hello", punctuated_word: "Hello", start: 0, end: 0.4, confidence: 0.9, speaker: "Speaker 0" },
    { word: "there", punctuated_word: "there.", start: 0.5, end: 0.9, confidence: 0.9, speaker: "Speaker 0" },
  ],
  confidence: 0.9,
  language: null,
  options: null,
};
const API_KEY = "bts_contract-test-key";
const METRICS_TOKEN = "metrics-token-0123456789";
const asTenant = `X-Tenant-ID: ${TENANT}\r\n`;
const plain = (port: number, method: string, path: string, extra = "") =>
  rawRequest({ port, head: `${method} ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n` });
/** A header line Node's parser refuses: answered by the server itself. */
const malformed = (port: number, method: string, path: string) => plain(port, method, path, "Bad Header Line\r\n");
/** Headers past Node's 16 KiB limit. */
const oversized = (port: number, method: string, path: string) =>
  plain(port, method, path, `X-Padding: ${"a".repeat(20_000)}\r\n`);

describe("the OpenAPI document tells the whole truth", () => {
  let main: Awaited<ReturnType<typeof listenTestApp>>;
  let starved: Awaited<ReturnType<typeof listenTestApp>>;
  let unwritable: Awaited<ReturnType<typeof listenTestApp>>;
  let withJobs: Awaited<ReturnType<typeof listenTestApp>>;
  let brokenJobs: Awaited<ReturnType<typeof listenTestApp>>;
  let secured: Awaited<ReturnType<typeof listenTestApp>>;
  let jobId: string;
  let document: OpenApiDocument;
  let documentFile: string;
  const exercised = new Set<string>();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  beforeAll(async () => {
    main = await listenTestApp({
      transcriber: scriptedTranscriber,
      publisher,
      maxUploadBytes: 64 * 1024,
      maxCaptionsBytes: 64 * 1024,
      uploadIdleTimeoutMs: 300,
    });
    // No room on disk (507), and an upload directory that cannot be written (a 503 readiness).
    starved = await listenTestApp({ minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
    unwritable = await listenTestApp({ tempFiles: createTempFiles(join(tmpdir(), `batch-missing-${process.pid}`)) });
    withJobs = await listenTestApp({
      jobs,
      idempotencyStore,
      maxUploadBytes: 64 * 1024,
      maxCaptionsBytes: 64 * 1024,
      maxTranscriptJsonBytes: 64 * 1024,
      uploadIdleTimeoutMs: 300,
    });
    // A key whose first request is still running, for each POST route: the same file and identity get 409.
    const identityOfTenant = { tenantId: TENANT, userId: "system", accountId: null, interactionId: "contract" };
    // What each route asked besides the file, as a request with no query and no Accept asks it.
    const options = defaultOptions(unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY"));
    const asked = {
      "POST /batch/process": { options, subtitles: null, layout: DEFAULT_SUBTITLE_LAYOUT },
      "POST /batch/jobs": options,
    };
    for (const route of ["POST /batch/process", "POST /batch/jobs"] as const) {
      await idempotencyStore.begin(
        TENANT,
        `busy ${route}`,
        fingerprintOf(route, createHash("sha256").update(vtt).digest("hex"), identityOfTenant, asked[route]),
        3600,
      );
    }
    const failing = () => Promise.reject(new Error("storage is down"));
    brokenJobs = await listenTestApp({
      jobs: { ...jobs, store: { ...jobs.store, get: failing, list: failing, create: failing, tombstone: failing } },
    });
    secured = await listenTestApp({
      jobs,
      authenticator: createApiKeyAuthenticator([{ id: "contract", sha256: sha256Hex(API_KEY), tenant_id: TENANT }]),
      metricsToken: METRICS_TOKEN,
    });
    document = (await (await fetch(`${main.url}/openapi.json`)).json()) as OpenApiDocument;
    const directory = await mkdtemp(join(tmpdir(), "batch-openapi-"));
    documentFile = join(directory, "openapi.json");
    await writeFile(documentFile, JSON.stringify(document));
  });
  afterAll(async () => {
    await main.close();
    await starved.close();
    await unwritable.close();
    await withJobs.close();
    await brokenJobs.close();
    await secured.close();
    await rm(join(documentFile, ".."), { recursive: true, force: true });
  });

  /** Checks an answer against what the document says of that operation and status. */
  function conforms(path: string, method: string, answer: RawAnswer) {
    const status = String(answer.status);
    const declared = document.paths[path]?.[method]?.responses[status];
    expect(declared, `${method.toUpperCase()} ${path} ${status} is documented`).toBeDefined();
    exercised.add(`${method} ${path} ${status}`);
    if (answer.status === 204) {
      expect(answer.body).toBe("");
      expect(declared!.content).toBeUndefined();
      return;
    }
    const type = (answer.headers["content-type"] ?? "").split(";")[0]!;
    const content = declared!.content?.[type];
    expect(content, `${method.toUpperCase()} ${path} ${status} documents ${type}`).toBeDefined();
    const body: unknown = type.endsWith("json") ? JSON.parse(answer.body) : answer.body;
    const validate = ajv.compile(content!.schema);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    for (const [name, header] of Object.entries(answer.headers)) {
      const documented = Object.entries(declared!.headers ?? {}).find(([key]) => key.toLowerCase() === name);
      if (documented === undefined) continue;
      const check = ajv.compile(documented[1].schema);
      expect(check(header), `${name}: ${header}`).toBe(true);
    }
    const interactionId = answer.headers["x-interaction-id"];
    const fromApp = !(
      typeof body === "object" &&
      body !== null &&
      "interaction_id" in body &&
      body.interaction_id === null
    );
    if (fromApp) expect(interactionId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
  }

  const batchCases: Array<[string, () => Promise<RawAnswer>]> = [
    ["200", () => upload(main.port, vtt)],
    ["400", () => upload(main.port, Buffer.alloc(0))],
    [
      "408",
      () =>
        rawRequest({
          port: main.port,
          head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: 1000\r\n\r\n`,
        }),
    ],
    ["413", () => upload(main.port, Buffer.alloc(64 * 1024 + 1, 0x61))],
    ["415", () => upload(main.port, png)],
    ["422", () => upload(main.port, Buffer.from("WEBVTT\n\n"))],
    ["431", () => oversized(main.port, "POST", "/batch/process")],
    ["500", () => ((providerMode = "crash"), upload(main.port, wav))],
    ["502", () => ((providerMode = "fail"), upload(main.port, wav))],
    ["503", () => ((providerMode = "unconfigured"), upload(main.port, wav))],
    ["504", () => ((providerMode = "timeout"), upload(main.port, wav))],
    ["507", () => upload(starved.port, vtt)],
  ];

  it.each(batchCases)("POST /batch/process answers %s as documented", async (_status, send) => {
    const answer = await send();
    providerMode = "ok";
    expect(String(answer.status)).toBe(_status);
    conforms("/batch/process", "post", answer);
  });

  it.each(["/batch/process", "/batch/jobs"])(
    "POST %s answers 409 while a request with the same Idempotency-Key runs, and 422 for another file under it",
    async (path) => {
      const busy = await upload(withJobs.port, vtt, `${asTenant}Idempotency-Key: "busy POST ${path}"\r\n`, path);
      expect(busy.status).toBe(409);
      expect(busy.headers["retry-after"]).toBe("5");
      conforms(path, "post", busy);
      const reused = await upload(
        withJobs.port,
        Buffer.from("another file"),
        `${asTenant}Idempotency-Key: "busy POST ${path}"\r\n`,
        path,
      );
      expect(reused.status).toBe(422);
      expect(JSON.parse(reused.body)).toMatchObject({ code: "idempotency_key_reused" });
      conforms(path, "post", reused);
    },
  );

  it("POST /batch/process with Prefer: respond-async answers 202 as documented", async () => {
    const answer = await upload(withJobs.port, vtt, `Prefer: respond-async\r\n${asTenant}`);
    expect(answer.status).toBe(202);
    expect(answer.headers["preference-applied"]).toBe("respond-async");
    conforms("/batch/process", "post", answer);
  });

  const submitCases: Array<[string, () => Promise<RawAnswer>]> = [
    ["202", () => upload(withJobs.port, vtt, asTenant, "/batch/jobs")],
    ["400", () => upload(withJobs.port, Buffer.alloc(0), "", "/batch/jobs")],
    [
      "408",
      () =>
        rawRequest({
          port: withJobs.port,
          head: `POST /batch/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: 1000\r\n\r\n`,
        }),
    ],
    ["413", () => upload(withJobs.port, Buffer.alloc(64 * 1024 + 1, 0x61), "", "/batch/jobs")],
    ["415", () => upload(withJobs.port, png, "", "/batch/jobs")],
    ["431", () => oversized(withJobs.port, "POST", "/batch/jobs")],
    ["503", () => upload(main.port, vtt, "", "/batch/jobs")],
  ];

  it.each(submitCases)("POST /batch/jobs answers %s as documented", async (status, send) => {
    const answer = await send();
    expect(String(answer.status)).toBe(status);
    conforms("/batch/jobs", "post", answer);
    if (status === "202") jobId = (JSON.parse(answer.body) as { interaction_id: string }).interaction_id;
  });

  it("GET /batch/jobs/{id} and GET /batch/jobs answer as documented", async () => {
    const cases: Array<[string, number, Promise<RawAnswer>]> = [
      ["/batch/jobs/{id}", 200, plain(withJobs.port, "GET", `/batch/jobs/${jobId}`, asTenant)],
      ["/batch/jobs/{id}", 404, plain(withJobs.port, "GET", `/batch/jobs/${jobId}`)],
      [
        "/batch/jobs/{id}",
        400,
        plain(withJobs.port, "GET", `/batch/jobs/${jobId}`, `X-User-ID: ${"u".repeat(300)}\r\n`),
      ],
      ["/batch/jobs/{id}", 431, oversized(withJobs.port, "GET", `/batch/jobs/${jobId}`)],
      ["/batch/jobs/{id}", 503, plain(brokenJobs.port, "GET", `/batch/jobs/${jobId}`, asTenant)],
      ["/batch/jobs", 200, plain(withJobs.port, "GET", "/batch/jobs?status=queued", asTenant)],
      ["/batch/jobs", 400, plain(withJobs.port, "GET", "/batch/jobs?limit=0", asTenant)],
      ["/batch/jobs", 431, oversized(withJobs.port, "GET", "/batch/jobs")],
      ["/batch/jobs", 503, plain(main.port, "GET", "/batch/jobs")],
    ];
    for (const [path, status, sent] of cases) {
      const answer = await sent;
      expect(answer.status, `${path} ${status}`).toBe(status);
      conforms(path, "get", answer);
    }
    const listed = JSON.parse((await plain(withJobs.port, "GET", "/batch/jobs", asTenant)).body) as {
      jobs: Array<{ interaction_id: string }>;
    };
    expect(listed.jobs.map((job) => job.interaction_id)).toContain(jobId);
  });

  it("POST /batch/subtitles answers as documented", async () => {
    const busy = await listenTestApp({ maxConcurrentRequests: 0 });
    const send = (port: number, body: string, extra = "", query = "") =>
      rawRequest({
        port,
        head:
          `POST /batch/subtitles${query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`,
        body: Buffer.from(body),
      });
    const answer = JSON.stringify(timedResult);
    const { words: _words, ...untimed } = timedResult;
    try {
      const cases: Array<[number, Promise<RawAnswer>]> = [
        [200, send(main.port, answer, "", "?format=srt&max_lines=1")],
        [400, send(main.port, "{not json")],
        [400, send(main.port, answer, "", "?max_lines=9")],
        [
          408,
          rawRequest({
            port: withJobs.port,
            head: "POST /batch/subtitles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
          }),
        ],
        [413, send(withJobs.port, JSON.stringify({ ...timedResult, raw_transcript: "x".repeat(70_000) }))],
        [415, plain(main.port, "POST", "/batch/subtitles", "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi")],
        [422, send(main.port, JSON.stringify(untimed))],
        [431, oversized(main.port, "POST", "/batch/subtitles")],
        [503, send(busy.port, answer)],
        [507, send(starved.port, answer)],
      ];
      for (const [status, sent] of cases) {
        const reply = await sent;
        expect(reply.status, `${status}: ${reply.body.slice(0, 200)}`).toBe(status);
        conforms("/batch/subtitles", "post", reply);
      }
    } finally {
      await busy.close();
    }
  });

  it("every guarded route answers 429 tenant_too_busy, with Retry-After, past the tenant's share", async () => {
    const crowded = await listenTestApp({ jobs, maxConcurrentRequestsPerTenant: 0 });
    const id = "11111111-1111-4111-8111-111111111111";
    try {
      const cases: Array<[string, string, Promise<RawAnswer>]> = [
        ["/batch/process", "post", upload(crowded.port, vtt, asTenant)],
        ["/batch/jobs", "post", upload(crowded.port, vtt, asTenant, "/batch/jobs")],
        ["/batch/jobs", "get", plain(crowded.port, "GET", "/batch/jobs", asTenant)],
        ["/batch/jobs/{id}", "get", plain(crowded.port, "GET", `/batch/jobs/${id}`, asTenant)],
        ["/batch/jobs/{id}", "delete", plain(crowded.port, "DELETE", `/batch/jobs/${id}`, asTenant)],
        ["/batch/jobs/{id}/captions", "get", plain(crowded.port, "GET", `/batch/jobs/${id}/captions`, asTenant)],
        [
          "/batch/subtitles",
          "post",
          plain(
            crowded.port,
            "POST",
            "/batch/subtitles",
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
          ),
        ],
      ];
      for (const [path, method, sent] of cases) {
        const answer = await sent;
        expect(answer.status, `${method} ${path}`).toBe(429);
        expect(answer.headers["retry-after"]).toBe("5");
        conforms(path, method, answer);
      }
    } finally {
      await crowded.close();
    }
  });

  it("DELETE /batch/jobs/{id} answers as documented, and GET of an expired job is a 404 job_expired", async () => {
    const doomed = await jobs.seedCompleted(TENANT, timedResult);
    const cases: Array<[number, Promise<RawAnswer>]> = [
      [204, plain(withJobs.port, "DELETE", `/batch/jobs/${doomed}`, asTenant)],
      [404, plain(withJobs.port, "DELETE", `/batch/jobs/${doomed}`, asTenant)],
      [400, plain(withJobs.port, "DELETE", `/batch/jobs/${doomed}`, `X-User-ID: ${"u".repeat(300)}\r\n`)],
      [431, oversized(withJobs.port, "DELETE", `/batch/jobs/${doomed}`)],
      [503, plain(brokenJobs.port, "DELETE", `/batch/jobs/${doomed}`, asTenant)],
    ];
    for (const [status, sent] of cases) {
      const answer = await sent;
      expect(answer.status, `${status}`).toBe(status);
      conforms("/batch/jobs/{id}", "delete", answer);
    }
    const expired = await jobs.seedCompleted(TENANT, timedResult, { expired: true });
    const answer = await plain(withJobs.port, "GET", `/batch/jobs/${expired}`, asTenant);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "job_expired", type: "/problems/job-expired" });
    conforms("/batch/jobs/{id}", "get", answer);
  });

  it("GET /batch/jobs/{id}/captions answers as documented", async () => {
    const timed = await jobs.seedCompleted(TENANT, timedResult);
    const { words: _words, ...untimed } = timedResult;
    const textOnly = await jobs.seedCompleted(TENANT, untimed);
    const captions = (id: string, query = "") => `/batch/jobs/${id}/captions${query}`;
    // No room on disk for the result (507).
    const starvedJobs = await listenTestApp({ jobs, minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
    try {
      const cases: Array<[number, Promise<RawAnswer>]> = [
        [200, plain(withJobs.port, "GET", captions(timed, "?format=srt"), asTenant)],
        [400, plain(withJobs.port, "GET", captions(timed, "?format=ass"), asTenant)],
        [404, plain(withJobs.port, "GET", captions(timed))],
        [409, plain(withJobs.port, "GET", captions(jobId), asTenant)],
        [422, plain(withJobs.port, "GET", captions(textOnly), asTenant)],
        [431, oversized(withJobs.port, "GET", captions(timed))],
        [503, plain(brokenJobs.port, "GET", captions(timed), asTenant)],
        [507, plain(starvedJobs.port, "GET", captions(timed), asTenant)],
      ];
      for (const [status, sent] of cases) {
        const answer = await sent;
        expect(answer.status, `${status}`).toBe(status);
        conforms("/batch/jobs/{id}/captions", "get", answer);
      }
    } finally {
      await starvedJobs.close();
    }
  });

  it.each([
    ["/batch/jobs", ["PUT", "PATCH", "DELETE"], "GET, POST"],
    ["/batch/jobs/{id}", ["POST", "PUT", "PATCH"], "GET, DELETE"],
    ["/batch/jobs/{id}/captions", ["POST", "PUT", "PATCH", "DELETE"], "GET"],
  ] as const)("other methods on %s answer 405, 400 and 431 as documented", async (path, methods, allow) => {
    const concrete = path.replace("{id}", "11111111-1111-4111-8111-111111111111");
    for (const method of methods) {
      const answers = [
        await plain(withJobs.port, method, concrete, "Content-Length: 0\r\n"),
        await malformed(withJobs.port, method, concrete),
        await oversized(withJobs.port, method, concrete),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([405, 400, 431]);
      expect(answers[0]!.headers.allow).toBe(allow);
      for (const answer of answers) conforms(path, method.toLowerCase(), answer);
    }
  });

  it.each(
    ["/batch/process", "/batch/subtitles"].flatMap((path) =>
      ["GET", "PUT", "PATCH", "DELETE"].map((method) => [method, path]),
    ),
  )("%s %s answers 405, 400 and 431 as documented", async (method, path) => {
    const answers = [
      await plain(main.port, method, path, "Content-Length: 0\r\n"),
      await malformed(main.port, method, path),
      await oversized(main.port, method, path),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([405, 400, 431]);
    expect(answers[0]!.headers.allow).toBe("POST");
    for (const answer of answers) conforms(path, method.toLowerCase(), answer);
  });

  it.each([
    "/",
    "/app.js",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/schemas/batch-processing-completed.v1.json",
    "/schemas/batch-processing-failed.v1.json",
  ])("GET %s answers 200, 400 and 431 as documented", async (path) => {
    const answers = [
      await plain(main.port, "GET", path),
      await malformed(main.port, "GET", path),
      await oversized(main.port, "GET", path),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 431]);
    for (const answer of answers) conforms(path, "get", answer);
  });

  it("GET /problems/{slug} answers 200 (JSON and HTML), 404, 400 and 431 as documented", async () => {
    const answers = [
      await plain(main.port, "GET", "/problems/payload-too-large", "Accept: application/json\r\n"),
      await plain(main.port, "GET", "/problems/payload-too-large", "Accept: text/html\r\n"),
      await plain(main.port, "GET", "/problems/no-such-problem"),
      await malformed(main.port, "GET", "/problems/payload-too-large"),
      await oversized(main.port, "GET", "/problems/payload-too-large"),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 404, 400, 431]);
    for (const answer of answers) conforms("/problems/{slug}", "get", answer);
  });

  it("every documented operation answers 417 as documented to an Expect it cannot meet", async () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => [path, method] as const),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const [path, method] of operations) {
      const concrete = path.replace("{id}", "11111111-1111-4111-8111-111111111111").replace("{slug}", "not-found");
      const answer = await plain(
        withJobs.port,
        method.toUpperCase(),
        concrete,
        "Expect: the-moon\r\nContent-Length: 0\r\n",
      );
      expect(answer.status, `${method} ${path}`).toBe(417);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "expectation_failed", interaction_id: null });
      conforms(path, method, answer);
    }
  });

  it("GET /readyz answers 503 as documented when uploads cannot be written", async () => {
    const answer = await plain(unwritable.port, "GET", "/readyz");
    expect(answer.status).toBe(503);
    conforms("/readyz", "get", answer);
  });

  it("an unknown path answers 404 not_found as the document says", async () => {
    const answer = await plain(main.port, "GET", "/nope");
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "not_found" });
    expect(JSON.stringify(document)).toContain("404 `not_found`");
  });

  it.each([
    ["/batch/process", "post"],
    ["/batch/jobs", "post"],
    ["/batch/jobs", "get"],
    ["/batch/jobs/{id}", "get"],
    ["/batch/jobs/{id}/captions", "get"],
    ["/batch/jobs/{id}", "delete"],
    ["/batch/subtitles", "post"],
  ] as const)(
    "%s %s answers 401 without a credential and 403 for another tenant's X-Tenant-ID, as documented",
    async (path, method) => {
      const concrete = path.replace("{id}", "11111111-1111-4111-8111-111111111111");
      const send = (extra: string) =>
        method === "post"
          ? upload(secured.port, vtt, extra, concrete)
          : plain(secured.port, method.toUpperCase(), concrete, extra);
      const missing = await send("");
      expect(missing.status).toBe(401);
      expect(missing.headers["www-authenticate"]).toMatch(/^Bearer realm=/);
      conforms(path, method, missing);
      const mismatch = await send(`X-API-Key: ${API_KEY}\r\nX-Tenant-ID: 22222222-2222-4222-8222-222222222222\r\n`);
      expect(mismatch.status).toBe(403);
      conforms(path, method, mismatch);
    },
  );

  it("GET /metrics answers 401 as documented when METRICS_TOKEN is set, and 200 with it", async () => {
    const refused = await plain(secured.port, "GET", "/metrics");
    expect(refused.status).toBe(401);
    conforms("/metrics", "get", refused);
    expect((await plain(secured.port, "GET", "/metrics", `Authorization: Bearer ${METRICS_TOKEN}\r\n`)).status).toBe(
      200,
    );
  });

  it("every documented status was sent a real request and checked", () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method} ${path} ${status}`),
      ),
    );
    expect([...exercised].sort()).toEqual(documented.sort());
  });

  it("passes Redocly's recommended lint with no errors", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join("node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", documentFile, "--format=summary"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${stdout}\n${stderr}`).toMatch(/Your API description is valid/);
    expect(`${stdout}\n${stderr}`).not.toMatch(/^error /m);
  }, 60_000);
});
