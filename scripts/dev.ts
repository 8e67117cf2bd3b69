import { spawn } from "node:child_process";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import PinoPretty from "pino-pretty";
import { loadConfig } from "../app/config.js";
import { resolveCredentials } from "../app/events/publisher-factory.js";
import { awsClients } from "../tools/aws-clients.js";
import { provisionLocalPipeline } from "../tools/local-provisioner.js";
import { startMotoServer, type RunningMoto } from "./moto-server.js";

/**
 * `npm run dev`: the service in watch mode with readable logs. With no AWS endpoint and no credentials
 * configured, it first starts moto_server on loopback, provisions the event pipeline there, and points the
 * service at it, so a newcomer's events land in a local queue (read it with `npm run verify` or
 * `npm run consume`, using the QUEUE_URL printed below).
 */
const config = loadConfig(process.env);
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
  const outputs = await provisionLocalPipeline({
    ...awsClients(config.events.region, { endpoint: moto.url, credentials }),
    busName: config.events.busName,
    source: config.events.source,
  });
  Object.assign(env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    QUEUE_URL: outputs.queueUrl,
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

const service = spawn("tsx", ["watch", "app/server.ts"], { env, stdio: ["inherit", "pipe", "inherit"] });
service.stdout.pipe(PinoPretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l" }));

async function stop(code: number) {
  service.kill("SIGTERM");
  await moto?.stop();
  process.exit(code);
}
service.on("exit", (code) => void stop(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop(0));
