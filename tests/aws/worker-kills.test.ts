import { readFile } from "node:fs/promises";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobNames } from "../../infra/job-settings.js";
import { parseFailedEvent } from "../../app/events/batch-processing-failed.js";
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
import { FIXTURES } from "../support/test-app.js";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.js";

const TENANT = "33333333-3333-4333-8333-333333333333";

describe("a job whose worker process is killed on every delivery (moto_server)", () => {
  const clients = awsClients();
  let events: TestPipeline;
  let jobs: JobOutputs;
  const started: Array<ServerProcess | WorkerProcess> = [];

  beforeEach(async () => {
    await resetMoto();
    events = await createTestPipeline(clients);
    jobs = await provisionLocalJobs({ ...clients, names: jobNames({ prefix: "kills" }) });
  });
  afterEach(async () => {
    for (const process of started.splice(0)) await process.stop();
  });

  it("SIGKILL on each of its 3 deliveries: the job ends failed with its BatchProcessingFailed, not processing forever", async () => {
    // The provider never answers within the test, on any delivery (a scripted reply serves one request only):
    // the worker is always mid-job when it is killed, and nothing can complete the job.
    const deepgram = await startFakeDeepgram({ delayMs: 120_000 });
    try {
      const env = {
        AWS_ENDPOINT_URL: motoUrl(),
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        UPLOAD_BUCKET: jobs.uploadBucketName,
        WORK_QUEUE_URL: jobs.workQueueUrl,
        WORK_DLQ_URL: jobs.workDlqUrl,
        JOBS_TABLE: jobs.jobsTableName,
        QUEUE_URL: events.queueUrl,
        MOCK_TENANT_ID: TENANT,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        WORKER_VISIBILITY_TIMEOUT_S: "3",
      };
      const server = await startServerProcess(env);
      started.push(server);
      const form = new FormData();
      form.append("file", new Blob([await readFile(new URL("audio/speech.wav", FIXTURES))]), "speech.wav");
      const submitted = await fetch(`${server.url}/batch/jobs`, { method: "POST", body: form });
      expect(submitted.status).toBe(202);
      const { interaction_id: id } = (await submitted.json()) as { interaction_id: string };

      const statusOf = async () =>
        ((await (await fetch(`${server.url}/batch/jobs/${id}`)).json()) as { status: string }).status;
      const deadLettered = async () => {
        const { Attributes } = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: jobs.workDlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
        );
        return Number(Attributes?.ApproximateNumberOfMessages ?? 0) > 0;
      };
      // What an out-of-memory kill does: no answer, no give-up, the message back after its visibility timeout.
      // These workers consume the work queue only. SQS counts receives, not provider calls (a heartbeat late on
      // a busy machine is a receive too), so the message may reach the DLQ after fewer than 3 calls.
      const { WORK_DLQ_URL: _dlq, ...jobWorkerEnv } = env;
      for (let delivery = 1; delivery <= 3 && !(await deadLettered()); delivery++) {
        const worker = await startWorkerProcess(jobWorkerEnv);
        // Stopped after the test even when the wait below fails (a kill first makes the stop a no-op).
        started.push(worker);
        await expect
          .poll(async () => deepgram.requests.length >= delivery || (await deadLettered()), { timeout: 30_000 })
          .toBe(true);
        await worker.kill();
      }
      expect(await statusOf()).toBe("processing");
      // The next worker's receive moves the message to the work DLQ; its dead-letter consumer ends the job.
      started.push(await startWorkerProcess(env));
      await expect.poll(statusOf, { timeout: 45_000, interval: 500 }).toBe("failed");
      const job = (await (await fetch(`${server.url}/batch/jobs/${id}`)).json()) as Record<string, unknown>;
      expect(job).toMatchObject({ error: { code: "processing_failed", stage: "processing" } });
      expect(deepgram.requests.length).toBeGreaterThanOrEqual(1);
      expect(deepgram.requests.length).toBeLessThanOrEqual(3);
      const published = await drainQueue(clients.sqs, events.queueUrl, { waitMs: 5_000 });
      const failed = published
        .map((message) => (JSON.parse(message.Body!) as { detail: { interaction_id?: string } }).detail)
        .filter((detail) => detail.interaction_id === id);
      expect(failed).toHaveLength(1);
      expect(parseFailedEvent(failed[0])).toMatchObject({ error: { code: "processing_failed" } });
    } finally {
      await deepgram.close();
    }
  }, 180_000);
});
