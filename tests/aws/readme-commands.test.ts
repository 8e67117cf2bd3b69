import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobNames } from "../../infra/job-settings.js";
import { provisionLocalJobs } from "../../tools/local-job-provisioner.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { awsClients, createTestPipeline, motoUrl, resetMoto, TEST_CREDENTIALS } from "../support/moto.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(`${ROOT}README.md`, "utf8");

interface Block {
  line: number;
  info: string;
  body: string;
}

/** The README's fenced blocks, each with its info string (`sh runnable`, `json`, …) and first line number. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const open = /^```(\S.*)?$/.exec(lines[index]!);
    if (open === null) continue;
    const end = lines.indexOf("```", index + 1);
    blocks.push({ line: index + 1, info: open[1] ?? "", body: lines.slice(index + 1, end).join("\n") });
    index = end;
  }
  return blocks;
}

/** The documented JSON with its elisions (`"0b6c…"`, `…` in arrays) as values of the right type. */
const documented = (text: string): unknown => JSON.parse(text) as unknown;

/** Every documented field is in the real answer with the same JSON type, recursively (arrays by first item). */
function shapeMismatches(doc: unknown, real: unknown, path = "$"): string[] {
  const kind = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);
  if (kind(doc) !== kind(real)) return [`${path}: documented ${kind(doc)}, answered ${kind(real)}`];
  if (Array.isArray(doc) && Array.isArray(real) && doc.length > 0 && real.length > 0)
    return shapeMismatches(doc[0], real[0], `${path}[0]`);
  if (kind(doc) !== "object") return [];
  const answered = real as Record<string, unknown>;
  return Object.entries(doc as Record<string, unknown>).flatMap(([key, value]) =>
    key in answered ? shapeMismatches(value, answered[key], `${path}.${key}`) : [`${path}.${key}: not answered`],
  );
}

describe("the README's runnable commands, run against a server set up as `npm run dev` sets it up", () => {
  let server: ServerProcess;
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  const blocks = fencedBlocks(README);
  const runnable = blocks.filter((block) => block.info.split(/\s+/).includes("runnable"));

  beforeAll(async () => {
    await resetMoto();
    const clients = awsClients();
    const events = await createTestPipeline(clients);
    const jobs = await provisionLocalJobs({ ...clients, names: jobNames({ prefix: "readme" }) });
    deepgram = await startFakeDeepgram();
    server = await startServerProcess({
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      QUEUE_URL: events.queueUrl,
      UPLOAD_BUCKET: jobs.uploadBucketName,
      WORK_QUEUE_URL: jobs.workQueueUrl,
      JOBS_TABLE: jobs.jobsTableName,
      IDEMPOTENCY_TABLE: jobs.idempotencyTableName,
      MOCK_TENANT_ID: "00000000-0000-4000-8000-000000000000",
      DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      TRANSCRIPTION_MODELS: "nova-3,nova-3-medical",
      LOG_LEVEL: "info",
    });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await deepgram?.close();
  });

  /**
   * A block as a shell script from the repository's root, aimed at the test's server instead of :3000. Run
   * asynchronously: the fake Deepgram and the server's log reader live in this process.
   */
  function run(block: Block): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const script = block.body.replaceAll("http://localhost:3000", server.url).replaceAll("localhost:3000", server.url);
    return new Promise((resolve, reject) => {
      const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { cwd: ROOT, timeout: 60_000 });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  /** The `json` block right after a runnable one (a blank line between): the answer it documents. */
  const answerOf = (block: Block) => {
    const next = blocks[blocks.indexOf(block) + 1];
    return next?.info === "json" && next.line === block.line + block.body.split("\n").length + 3 ? next : undefined;
  };

  it("has runnable blocks: the quick start's (with its answer), the options', the Idempotency-Key's", () => {
    expect(runnable.length).toBeGreaterThanOrEqual(3);
    expect(answerOf(runnable[0]!)?.body).toContain('"interaction_id"');
  });

  it.each(runnable)("README line $line runs as written, every answer a success", async (block) => {
    const result = await run(block);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toBe("");
    // A problem answer is still a curl success: none may be among the answers.
    expect(result.stdout).not.toContain('"type":"/problems/');
    const answer = answerOf(block);
    if (answer !== undefined) expect(shapeMismatches(documented(answer.body), JSON.parse(result.stdout))).toEqual([]);
  });

  it("documents /healthz and /readyz as they answer", async () => {
    const healthRow = README.split("\n").find((line) => line.startsWith("| `GET /healthz`"))!;
    const shown = /`(\{.*?\})`/.exec(healthRow)![1]!;
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as Record<string, unknown>;
    expect(Object.keys(documented(shown) as object).sort()).toEqual(Object.keys(health).sort());
    const readyRow = README.split("\n").find((line) => line.startsWith("| `GET /readyz`"))!;
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { events: { publishing: string } };
    expect(readyRow).toContain(`\`${ready.events.publishing}\``);
  });
});
