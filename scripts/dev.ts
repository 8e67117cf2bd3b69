import { spawn } from "node:child_process";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import PinoPretty from "pino-pretty";
import { loadConfig } from "../app/config.js";
import { resolveCredentials } from "../app/events/publisher-factory.js";
import { awsClients } from "../tools/aws-clients.js";
import { provisionLocalJobs, provisionLocalPipeline } from "../tools/local-provisioner.js";
import { startMotoServer, type RunningMoto } from "./moto-server.js";

/**
 * `npm run dev`: the service in watch mode with readable logs. With no AWS endpoint and no credentials
 * configured, it first starts moto_server on loopback, provisions the event pipeline there, and points the
 * service at it, so a newcomer's events land in a local queue (read it with `npm run verify` or
 * `npm run consume`, using the QUEUE_URL printed below). It also provisions the async jobs' bucket, work
 * queue and table and runs a worker, so `POST /batch/jobs` works with no AWS account.
 */
const config = loadConfig(process.env);
const DEV_TENANT_ID = "00000000-0000-4000-8000-000000000000";
const env: Record<string, string | undefined> = { ...process.env };
let moto: RunningMoto | undefined;

async function hasCredentials(): Promise<boolean> {
  const client = new EventBridgeClient({ region: config.events.region });
  try {
    await resolveCredentials(client);
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function startLocalAws() {
  moto = await startMotoServer();
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  const clients = awsClients(config.events.region, { endpoint: moto.url, credentials });
  const outputs = await provisionLocalPipeline({ ...clients, busName: config.events.busName, source: config.events.source });
  const jobs = await provisionLocalJobs(clients);
  Object.assign(env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    QUEUE_URL: outputs.queueUrl,
    UPLOAD_BUCKET: jobs.uploadBucketName,
    WORK_QUEUE_URL: jobs.workQueueUrl,
    JOBS_TABLE: jobs.jobsTableName,
    IDEMPOTENCY_TABLE: jobs.idempotencyTableName,
  });
  console.error(`Local AWS (moto_server) at ${moto.url}; events land in QUEUE_URL=${outputs.queueUrl}`);
  console.error(`Try: AWS_ENDPOINT_URL=${moto.url} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local QUEUE_URL=${outputs.queueUrl} npm run verify`);
}

if (config.events.endpointUrl === undefined && !(await hasCredentials())) {
  try {
    await startLocalAws();
  } catch (error) {
    // The service itself needs no AWS: without the emulator it runs with publishing disabled.
    console.error(`No local AWS emulator (${error instanceof Error ? error.message : String(error)}); event publishing will be disabled.`);
    await moto?.stop();
    moto = undefined;
  }
}

// One tenant for the whole dev session, so a job submitted without X-Tenant-ID can be read back without it.
env.MOCK_TENANT_ID ??= DEV_TENANT_ID;
const pretty = () => PinoPretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l" });
const service = spawn("tsx", ["watch", "app/server.ts"], { env, stdio: ["inherit", "pipe", "inherit"] });
service.stdout.pipe(pretty());
// With the job settings (from moto above, or from the environment) a worker runs beside the service.
const worker = env.UPLOAD_BUCKET && env.WORK_QUEUE_URL && env.JOBS_TABLE ? spawn("tsx", ["watch", "app/worker.ts"], { env, stdio: ["inherit", "pipe", "inherit"] }) : undefined;
worker?.stdout.pipe(pretty());

async function stop(code: number) {
  service.kill("SIGTERM");
  worker?.kill("SIGTERM");
  await moto?.stop();
  process.exit(code);
}
service.on("exit", (code) => void stop(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop(0));
