import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { pino } from "pino";
import { asyncJobs } from "../app/composition/adapters.js";
import { createJobAdapters, createObjectStore } from "../app/composition/aws-adapters.js";
import { loadConfig } from "../app/config/config.js";
import { objectKeys } from "../app/storage/storage-layout.js";
import { jobNames } from "../infra/job-settings.js";
import { startMotoServer } from "../scripts/moto-server.js";
import { provisionLocalJobs } from "../tools/local-job-provisioner.js";
import { startFakeEventBridge } from "./fake-eventbridge.js";
import { WORKER_ENTRY } from "./bench-kit.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../tests/support/fake-deepgram.js";
import { startWorkerProcess, type WorkerProcess } from "../tests/support/worker-process.js";

export interface WorkerShape {
  processes: number;
  /** WORKER_CONCURRENCY of each process. */
  concurrency: number;
}

export interface WorkerScalingResult extends WorkerShape {
  /** Jobs in progress at once: processes × concurrency. */
  workers: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
}

export const PROVIDER_SECONDS_PER_JOB = 1;

/**
 * Jobs per second for each shape (processes × WORKER_CONCURRENCY) against a local Deepgram
 * that takes 1 s per job, on moto_server. The workers start first; jobs are then queued faster than they
 * are done, and the time runs from the first job a worker starts to the last it completes, read from the
 * workers' own log timestamps.
 */
export async function workerScaling(jobs: number, shapes: WorkerShape[]): Promise<WorkerScalingResult[]> {
  const moto = await startMotoServer();
  const deepgram = await startFakeDeepgram({ delayMs: PROVIDER_SECONDS_PER_JOB * 1000 });
  // moto delivers each event to its rule's queue inside PutEvents, one at a time (~0.3 s here): with four
  // workers the emulator, not the workers, would be measured. PutEvents goes to a server that answers at once.
  const eventBridge = await startFakeEventBridge();
  const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
  const config = { region: "us-east-1", endpoint: moto.url, credentials };
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const dynamodb = new DynamoDBClient(config);
  const wav = await readFile(new URL("../tests/fixtures/audio/speech.wav", import.meta.url));
  const results: WorkerScalingResult[] = [];
  // An idle worker's stop waits out its receive under way (up to 5 s, by design): each shape's workers stop
  // while the next shape runs (idle, on their own queue), and every worker started is stopped before the
  // scenario ends, also when a shape fails.
  const running = new Set<WorkerProcess>();
  const stopping: Promise<unknown>[] = [];
  const stopInBackground = (workers: Iterable<WorkerProcess>) => {
    for (const worker of [...workers]) {
      running.delete(worker);
      stopping.push(worker.stop());
    }
  };
  try {
    for (const { processes, concurrency } of shapes) {
      const count = processes * concurrency;
      const outputs = await provisionLocalJobs({
        sqs,
        s3,
        dynamodb,
        names: jobNames({ prefix: `bench-${processes}x${concurrency}` }),
      });
      const env = {
        AWS_ENDPOINT_URL: moto.url,
        AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        UPLOAD_BUCKET: outputs.uploadBucketName,
        WORK_QUEUE_URL: outputs.workQueueUrl,
        JOBS_TABLE: outputs.jobsTableName,
        DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
        DEEPGRAM_BASE_URL: deepgram.url,
        WORKER_CONCURRENCY: String(concurrency),
      };
      // Jobs are submitted as the service submits them: its adapters, from the same environment as the workers'
      // (the AWS SDK reads the endpoint and credentials from this process's environment, as the service's does).
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      });
      const config = loadConfig(env);
      const objects = createObjectStore(config.aws, config.jobs)!;
      const jobsApi = asyncJobs(createJobAdapters(config.aws, config.jobs, objects), {
        retentionDays: config.jobs.retentionDays,
        publishBudgetMs: config.events.publishTimeoutMs,
      });
      if (!jobsApi.available) throw new Error(`bench: job settings missing: ${jobsApi.missing.join(", ")}`);
      const { submit } = jobsApi;
      // Workers first, idle on the empty queue: their start-up is not part of the figure.
      const starts = await Promise.allSettled(
        Array.from({ length: processes }, () => startWorkerProcess(env, { entry: WORKER_ENTRY })),
      );
      const workers = starts.flatMap((start) => (start.status === "fulfilled" ? [start.value] : []));
      for (const worker of workers) running.add(worker);
      const failedStart = starts.find((start) => start.status === "rejected");
      if (failedStart) throw failedStart.reason;
      const tenantId = "11111111-1111-4111-8111-111111111111";
      const submitOne = async () => {
        const interactionId = crypto.randomUUID();
        const key = objectKeys.upload(tenantId, interactionId);
        await objects.upload(key, Readable.from([wav]), { contentType: "audio/wav" });
        await submit(
          { tenantId, userId: "bench", accountId: null, interactionId },
          { key, bytes: wav.length, declaredType: "audio/wav", detected: { kind: "audio", mime: "audio/wav" } },
          pino({ level: "silent" }),
        );
      };
      // Submitted 8 at a time: faster than 8 workers take them, so the queue is never what they wait on.
      for (let i = 0; i < jobs; i += 8) await Promise.all(Array.from({ length: Math.min(8, jobs - i) }, submitOne));
      const completed = () => workers.flatMap((worker) => worker.logs.filter((line) => line.msg === "job completed"));
      // Bounded: a worker that stalls ends the scenario with an error rather than a bench that never stops.
      const deadline = Date.now() + ((jobs * PROVIDER_SECONDS_PER_JOB * 3) / count + 60) * 1000;
      while (completed().length < jobs) {
        if (Date.now() > deadline)
          throw new Error(`${count} workers completed ${completed().length} of ${jobs} jobs in time`);
        await sleep(200);
      }
      const times = (msg: string) =>
        workers.flatMap((worker) =>
          worker.logs.filter((line) => line.msg === msg).map((line) => Date.parse(String(line.time))),
        );
      const seconds = (Math.max(...times("job completed")) - Math.min(...times("job started"))) / 1000;
      results.push({ processes, concurrency, workers: count, jobs, seconds, jobsPerSecond: jobs / seconds });
      stopInBackground(workers);
    }
  } finally {
    stopInBackground(running);
    await Promise.allSettled(stopping);
    await deepgram.close();
    await eventBridge.close();
    await moto.stop();
  }
  return results;
}
