import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { loadConfig } from "../app/config/config.js";
import { resolveCredentials } from "../app/events/publisher-factory.js";
import { awsClients } from "../tools/aws-clients.js";
import { LOCAL_ENV_FILE, runCommand } from "../tools/cli/command-line.js";
import { EXIT, type ExitCode } from "../tools/cli/exit-codes.js";
import { CliFailure } from "../tools/cli/failures.js";
import { provisionLocalJobs, provisionLocalPipeline } from "../tools/local-provisioner.js";
import { readableLogStream } from "../tools/readable-log.js";
import { startMotoServer, type RunningMoto } from "./moto-server.js";

/** One tenant for the whole dev session, so a job submitted without X-Tenant-ID can be read back without it. */
const DEV_TENANT_ID = "00000000-0000-4000-8000-000000000000";
/** How long the service may take to answer /healthz after it starts (tsx compiles on the fly). */
const STARTUP_LIMIT_MS = 60_000;
/** The project's files are found from here, so the session's `.env.local` can live in any working directory. */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** tsx's command line, run by this Node (the project's), not whichever `node` is first on PATH. */
const TSX_CLI = `${ROOT}node_modules/tsx/dist/cli.mjs`;
/** How long a child may take to stop before it is killed. */
const STOP_LIMIT_MS = 10_000;

async function portInUse(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(port, resolve);
    });
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") return true;
    throw error;
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

async function hasCredentials(region: string): Promise<boolean> {
  const client = new EventBridgeClient({ region });
  try {
    await resolveCredentials(client);
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** Starts moto_server, provisions the pipeline and the job resources, and returns the settings that reach them. */
async function startLocalAws(
  region: string,
  busName: string,
  source: string,
): Promise<{ moto: RunningMoto; settings: Record<string, string> }> {
  const moto = await startMotoServer();
  try {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const clients = awsClients(region, { endpoint: moto.url, credentials });
    const events = await provisionLocalPipeline({ ...clients, busName, source });
    const jobs = await provisionLocalJobs(clients);
    return {
      moto,
      settings: {
        AWS_ENDPOINT_URL: moto.url,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        QUEUE_URL: events.queueUrl,
        UPLOAD_BUCKET: jobs.uploadBucketName,
        WORK_QUEUE_URL: jobs.workQueueUrl,
        WORK_DLQ_URL: jobs.workDlqUrl,
        JOBS_TABLE: jobs.jobsTableName,
        IDEMPOTENCY_TABLE: jobs.idempotencyTableName,
        WEBHOOK_QUEUE_URL: jobs.webhookQueueUrl,
        // This session's own signing secret; a local receiver reads it from .env.local to verify callbacks.
        WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
        // Callbacks to a receiver on this machine (http, loopback) are allowed in development only.
        WEBHOOK_ALLOW_PRIVATE: "true",
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

function envFileText(settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  return `# Written by \`npm run dev\` for this session's local emulator; removed when it stops.\n# Read by npm run consume, verify and infra:local for whatever is not set.\n${lines.join("\n")}\n`;
}

async function waitUntilHealthy(url: string, service: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  while (Date.now() < deadline && service.exitCode === null) {
    try {
      if ((await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_LIMIT_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function banner(url: string, moto: RunningMoto | undefined, worker: boolean): string {
  const lines = [
    "",
    `Ready: ${url}  (open it for the upload page)`,
    `Try:   curl -F file=@tests/fixtures/captions/meeting.vtt ${url}batch/process`,
  ];
  if (moto !== undefined) {
    lines.push(
      "Then:  npm run consume -- --once   (prints the events of that upload)",
      "       npm run verify              (proves events reach the queue)",
      `Local AWS: moto_server at ${moto.url}; its settings are in ${LOCAL_ENV_FILE}, which those commands read.`,
    );
  }
  if (worker)
    lines.push(
      `Jobs:  curl -F file=@tests/fixtures/captions/meeting.vtt ${url}batch/jobs   (a worker runs beside the service)`,
    );
  lines.push("Ctrl-C stops everything.", "");
  return lines.join("\n");
}

await runCommand(
  {
    command: "npm run dev",
    summary:
      "The service and a worker in watch mode, with one readable log line per request. With no AWS endpoint and no\n" +
      "credentials configured it first starts moto_server on loopback, provisions the event pipeline and the job\n" +
      `resources there, and writes their settings to ${LOCAL_ENV_FILE} for the other tools. Ctrl-C stops it all.`,
    options: {},
    environment: {
      PORT: "the service's port (default 3000)",
      LOG_LEVEL: "info by default: one line per request; debug adds the pipeline's steps and the configuration",
      "AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …": "use this AWS (or emulator) instead of starting moto_server",
      "DEEPGRAM_API_KEY, OPENAI_API_KEY": "transcribe audio, clean with a model (captions need neither)",
    },
    exitCodes: ["ok", "unavailable", "software", "config"],
    readsLocalEnv: false,
  },
  async () => {
    const config = loadConfig(process.env);
    if (await portInUse(config.port)) {
      throw new CliFailure(
        EXIT.unavailable,
        `port ${config.port} is in use (is another \`npm run dev\` running?): stop it, or set PORT`,
      );
    }
    const env: Record<string, string | undefined> = {
      ...process.env,
      MOCK_TENANT_ID: process.env.MOCK_TENANT_ID ?? DEV_TENANT_ID,
    };
    let moto: RunningMoto | undefined;
    let writtenEnv: string | undefined;
    if (config.aws.endpointUrl === undefined && !(await hasCredentials(config.aws.region))) {
      try {
        const local = await startLocalAws(config.aws.region, config.events.busName, config.events.source);
        moto = local.moto;
        Object.assign(env, local.settings);
        writtenEnv = envFileText(local.settings);
        await writeFile(LOCAL_ENV_FILE, writtenEnv, { mode: 0o600 });
      } catch (error) {
        // The service itself needs no AWS: without the emulator it runs with publishing disabled.
        console.error(
          `No local AWS emulator (${error instanceof Error ? error.message : String(error)}); event publishing is disabled.`,
        );
      }
    }

    const children: ChildProcess[] = [];
    const start = (entry: string) => {
      // From the project's root, where the service finds its worker pool's loader.
      const child = spawn(process.execPath, [TSX_CLI, "watch", "--clear-screen=false", entry], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "inherit"],
      });
      child.stdout?.pipe(readableLogStream()).pipe(process.stdout);
      children.push(child);
      return child;
    };
    const service = start("app/server.ts");
    const withWorker = Boolean(env.UPLOAD_BUCKET && env.WORK_QUEUE_URL && env.JOBS_TABLE);
    if (withWorker) start("app/worker.ts");

    let stopping = false;
    let stopped!: (code: ExitCode) => void;
    const done = new Promise<ExitCode>((resolve) => (stopped = resolve));
    const stopAll = async (code: ExitCode) => {
      if (stopping) return;
      stopping = true;
      await Promise.all(children.map(stopChild));
      await moto?.stop();
      // Only our own file: a newer session's is left alone.
      if (writtenEnv !== undefined && (await readFile(LOCAL_ENV_FILE, "utf8").catch(() => undefined)) === writtenEnv)
        await rm(LOCAL_ENV_FILE, { force: true });
      stopped(code);
    };
    for (const child of children) {
      child.once("exit", (code, signal) => {
        if (!stopping)
          console.error(
            `${child.spawnargs.at(-1) ?? "a child"} stopped (${signal ?? `exit ${code}`}); stopping the rest.`,
          );
        void stopAll(code === 0 ? EXIT.ok : EXIT.software);
      });
    }
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => void stopAll(EXIT.ok));

    const url = `http://localhost:${config.port}/`;
    if (await waitUntilHealthy(url, service)) process.stdout.write(banner(url, moto, withWorker));
    else if (!stopping) {
      console.error(`The service did not answer ${url}healthz within ${STARTUP_LIMIT_MS / 1000} s; stopping.`);
      void stopAll(EXIT.software);
    }
    return done;
  },
);
