import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
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
import { provisionLocalJobs } from "../tools/local-job-provisioner.js";
import { provisionLocalPipeline } from "../tools/local-provisioner.js";
import { readableLogStream } from "../tools/readable-log.js";
import { superviseChild, type SupervisedChild } from "../tools/dev-supervisor.js";
import { addSessionKey, banner, DEV_TENANT_ID, envFileText } from "../tools/dev-session.js";
import { startMotoServer, type RunningMoto } from "./moto-server.js";

/** How long the service may take to answer /healthz after it starts (tsx compiles on the fly). */
const STARTUP_LIMIT_MS = 60_000;
/** The project's files are found from here, so the session's `.env.local` can live in any working directory. */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** tsx's loader, for children run by this Node (the project's), not whichever `node` is first on PATH. */
const TSX_LOADER = import.meta.resolve("tsx");
/** How long past its own grace period a child may take to stop before it is killed. */
const STOP_MARGIN_MS = 5_000;

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

async function waitUntilHealthy(url: string, service: SupervisedChild): Promise<boolean> {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  let exited = false;
  void service.crashed.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  return false;
}

function readFileSyncOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
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
    const sessionKey = addSessionKey(process.env);
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
      // Headers-mode identity is trusted as sent: in development only this machine may send it.
      HOST: process.env.HOST ?? "127.0.0.1",
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

    // Each child in its own process group, stopped by us with its graceful shutdown (never by the terminal).
    const children = new Map<string, SupervisedChild>();
    const start = (entry: string) => {
      const child = superviseChild({
        // From the project's root, where the service finds its worker pool's loader.
        command: [process.execPath, "--import", TSX_LOADER, entry],
        cwd: ROOT,
        env,
        stopLimitMs: config.shutdownGraceMs + STOP_MARGIN_MS,
        watchDirs: [`${ROOT}app`],
        pipeOut: (stdout) => stdout.pipe(readableLogStream()),
        out: process.stdout,
        log: (line) => console.error(line),
      });
      children.set(entry, child);
      return child;
    };
    const service = start("app/server.ts");
    const withWorker = Boolean(env.UPLOAD_BUCKET && env.WORK_QUEUE_URL && env.JOBS_TABLE);
    if (withWorker) start("app/worker.ts");

    const ownEnvFile = () => writtenEnv !== undefined && readFileSyncOrUndefined(LOCAL_ENV_FILE) === writtenEnv;
    // Whatever ends this process, the session's settings go with it (a newer session's file is left alone).
    process.once("exit", () => {
      if (ownEnvFile()) rmSync(LOCAL_ENV_FILE, { force: true });
    });
    let stopping = false;
    let stopped!: (code: ExitCode) => void;
    const done = new Promise<ExitCode>((resolve) => (stopped = resolve));
    const stopAll = async (code: ExitCode) => {
      if (stopping) return;
      stopping = true;
      await Promise.all([...children.values()].map((child) => child.stop()));
      await moto?.stop();
      if (ownEnvFile()) rmSync(LOCAL_ENV_FILE, { force: true });
      stopped(code);
    };
    for (const [entry, child] of children) {
      void child.crashed.then((code) => {
        if (!stopping) console.error(`${entry} stopped (exit ${code}); stopping the rest.`);
        void stopAll(code === 0 ? EXIT.ok : EXIT.software);
      });
    }
    // A closed terminal (SIGHUP) stops as gracefully as Ctrl-C; output that can no longer be written is dropped.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stopAll(EXIT.ok));

    const url = `http://localhost:${config.port}/`;
    if (await waitUntilHealthy(url, service)) process.stdout.write(banner(url, moto, withWorker, sessionKey));
    else if (!stopping) {
      console.error(`The service did not answer ${url}healthz within ${STARTUP_LIMIT_MS / 1000} s; stopping.`);
      void stopAll(EXIT.software);
    }
    return done;
  },
);
