import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobNames } from "../../infra/job-settings.js";
import { provisionLocalJobs, type JobOutputs } from "../../tools/local-job-provisioner.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import {
  awsClients,
  createTestPipeline,
  drainQueue,
  motoUrl,
  resetMoto,
  TEST_CREDENTIALS,
  type TestPipeline,
} from "../support/moto.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { streamedUpload } from "../support/streamed-upload.js";
import { FIXTURES } from "../support/test-app.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const MiB = 1024 * 1024;
const TENANT = "11111111-1111-4111-8111-111111111111";

describe("the service and its workers as processes, on moto_server", () => {
  const clients = awsClients();
  let events: TestPipeline;
  let jobs: JobOutputs;
  let env: Record<string, string>;
  const started: Array<ServerProcess | WorkerProcess> = [];

  beforeEach(async () => {
    await resetMoto();
    events = await createTestPipeline(clients);
    jobs = await provisionLocalJobs({ ...clients, names: jobNames({ prefix: "proc" }) });
    env = {
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      UPLOAD_BUCKET: jobs.uploadBucketName,
      WORK_QUEUE_URL: jobs.workQueueUrl,
      JOBS_TABLE: jobs.jobsTableName,
      MOCK_TENANT_ID: TENANT,
    };
  });
  afterEach(async () => {
    for (const process of started.splice(0)) await process.stop();
  });

  async function submit(server: ServerProcess, fixture: string, filename: string) {
    const form = new FormData();
    form.append("file", new Blob([await readFile(new URL(fixture, FIXTURES))]), filename);
    const response = await fetch(`${server.url}/batch/jobs`, { method: "POST", body: form });
    expect(response.status).toBe(202);
    return { location: response.headers.get("Location")!, body: (await response.json()) as { interaction_id: string } };
  }

  async function finished(server: ServerProcess, location: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await (await fetch(`${server.url}${location}`)).json()) as Record<string, unknown>;
      if (job.status === "completed" || job.status === "failed") return job;
      if (Date.now() > deadline) throw new Error(`job still ${String(job.status)}`);
      await sleep(200);
    }
  }

  it("curl -F file=@meeting.vtt /batch/jobs → 202 → completed within seconds → the event on the queue; SIGTERM stops both with 0", async () => {
    const server = await startServerProcess(env);
    const worker = await startWorkerProcess(env);
    started.push(server, worker);
    const { location, body } = await submit(server, "captions/meeting.vtt", "meeting.vtt");
    expect(location).toBe(`/batch/jobs/${body.interaction_id}`);
    expect(await finished(server, location)).toMatchObject({
      status: "completed",
      source: "captions",
      cleaned_transcript: expect.any(String) as unknown,
    });
    const messages = await drainQueue(clients.sqs, events.queueUrl, { waitMs: 3_000 });
    expect(
      messages.map((m) => (JSON.parse(m.Body!) as { detail: { interaction_id: string } }).detail.interaction_id),
    ).toEqual([body.interaction_id]);
    expect(worker.logs.filter((line) => line.msg === "job completed")).toHaveLength(1);
    const startup = new Set([
      "worker configuration",
      "worker started",
      "event publishing enabled",
      "event bus reachable",
      "WORK_DLQ_URL is not set: jobs whose work messages are dead-lettered stay unfinished until an operator acts",
    ]);
    for (const line of worker.logs.filter((l) => !startup.has(String(l.msg))))
      expect(line.interaction_id).toBe(body.interaction_id);
    started.splice(0);
    expect(await worker.stop()).toBe(0);
    expect(await server.stop()).toBe(0);
  }, 60_000);

  it("a worker killed (SIGKILL) mid-transcription: the message comes back and another worker completes the job", async () => {
    const deepgram = await startFakeDeepgram();
    try {
      deepgram.script({ delayMs: 60_000 });
      const providerEnv = {
        ...env,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        WORKER_VISIBILITY_TIMEOUT_S: "3",
      };
      const server = await startServerProcess(providerEnv);
      started.push(server);
      const first = await startWorkerProcess(providerEnv);
      const { location } = await submit(server, "audio/speech.wav", "speech.wav");
      await expect.poll(() => deepgram.requests.length, { timeout: 20_000 }).toBe(1);
      await first.kill();
      const second = await startWorkerProcess(providerEnv);
      started.push(second);
      expect(await finished(server, location)).toMatchObject({ status: "completed", attempts: 2, source: "audio" });
      expect(deepgram.requests.length).toBe(2);
    } finally {
      await deepgram.close();
    }
  }, 60_000);

  it("keeps a job longer than its visibility timeout to itself (heartbeat), and SIGTERM lets a running job finish", async () => {
    const deepgram = await startFakeDeepgram({ delayMs: 5_000 });
    try {
      const providerEnv = {
        ...env,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        WORKER_VISIBILITY_TIMEOUT_S: "3",
      };
      const server = await startServerProcess(providerEnv);
      started.push(server);
      const worker = await startWorkerProcess(providerEnv);
      const other = await startWorkerProcess(providerEnv);
      started.push(other);
      const { location } = await submit(server, "audio/speech.wav", "speech.wav");
      await expect.poll(() => deepgram.requests.length, { timeout: 20_000 }).toBe(1);
      const stopping = [worker, other].find((process) => process.logs.some((line) => line.msg === "job started"))!;
      // The job takes 5 s against a 3 s visibility timeout, and its worker is told to stop meanwhile.
      expect(await stopping.stop()).toBe(0);
      expect(stopping.logs.find((line) => String(line.msg).startsWith("worker stopped"))).toMatchObject({
        released: 0,
      });
      if (stopping === other) started.splice(started.indexOf(other), 1, worker);
      expect(await finished(server, location)).toMatchObject({ status: "completed", attempts: 1 });
      expect(deepgram.requests).toHaveLength(1);
    } finally {
      await deepgram.close();
    }
  }, 60_000);

  it("SIGTERM with a job still running past the grace period releases its message to another worker within seconds", async () => {
    const deepgram = await startFakeDeepgram();
    try {
      deepgram.script({ delayMs: 60_000 });
      // A long visibility timeout: only the release can bring the message back within this test.
      const providerEnv = {
        ...env,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        WORKER_VISIBILITY_TIMEOUT_S: "300",
        SHUTDOWN_GRACE_MS: "500",
      };
      const server = await startServerProcess(providerEnv);
      started.push(server);
      const first = await startWorkerProcess(providerEnv);
      const { location } = await submit(server, "audio/speech.wav", "speech.wav");
      await expect.poll(() => deepgram.requests.length, { timeout: 20_000 }).toBe(1);
      expect(await first.stop()).toBe(0);
      expect(first.logs.find((line) => line.msg?.toString().startsWith("worker stopped"))).toMatchObject({
        released: 1,
      });
      const second = await startWorkerProcess(providerEnv);
      started.push(second);
      expect(await finished(server, location, 20_000)).toMatchObject({ status: "completed", attempts: 2 });
    } finally {
      await deepgram.close();
    }
  }, 60_000);

  it("streams a 256 MiB upload to the bucket with resident memory growing by less than 64 MiB", async () => {
    const server = await startServerProcess({ ...env, MAX_UPLOAD_BYTES: String(300 * MiB) });
    started.push(server);
    const wavHead = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
    // Warm up with a multipart upload of a few parts: the first one grows the heap and the allocator's
    // arenas once, whatever the size; what must not grow is the memory per byte uploaded.
    await streamedUpload(`${server.url}/batch/jobs`, { head: wavHead, fileBytes: 32 * MiB });
    const { result, growthBytes } = await server.peakRssGrowthDuring(() =>
      streamedUpload(`${server.url}/batch/jobs`, { head: wavHead, fileBytes: 256 * MiB }),
    );
    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(202);
    expect(JSON.parse(result.body)).toMatchObject({ status: "queued", bytes: 256 * MiB });

    expect(growthBytes).toBeLessThan(64 * MiB);
  }, 180_000);

  it("without the job settings: /batch/jobs answers 503 async_unavailable naming them, /batch/process still works, the worker exits 2", async () => {
    const server = await startServerProcess({
      AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL!,
      AWS_ACCESS_KEY_ID: "x",
      AWS_SECRET_ACCESS_KEY: "x",
      UPLOAD_BUCKET: jobs.uploadBucketName,
    });
    started.push(server);
    const form = new FormData();
    form.append("file", new Blob(["we ship on friday"]), "notes.txt");
    const refused = await fetch(`${server.url}/batch/jobs`, { method: "POST", body: form });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({
      code: "async_unavailable",
      missing: ["WORK_QUEUE_URL", "JOBS_TABLE"],
    });
    const sync = await fetch(`${server.url}/batch/process`, {
      method: "POST",
      body: form,
      headers: { Prefer: "respond-async" },
    });
    expect(sync.status).toBe(200);
    expect(sync.headers.get("Preference-Applied")).toBeNull();
    const worker = spawnSync(process.execPath, ["--import", "tsx", "app/worker.ts"], {
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(worker.status).toBe(2);
    expect(worker.stderr).toMatch(/UPLOAD_BUCKET, WORK_QUEUE_URL, JOBS_TABLE/);
  }, 60_000);
});
