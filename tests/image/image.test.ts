import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { rootCertificates } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../scripts/moto-server.js";
import { startServerProcess } from "../support/server-process.js";
import { streamedUpload } from "../support/streamed-upload.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IMAGE = process.env.IMAGE ?? "batch-transcription:test";
const DOCKER = process.env.DOCKER ?? "docker";
const TENANT = "44444444-4444-4444-8444-444444444444";
const VTT = join(ROOT, "tests/fixtures/captions/meeting.vtt");
/** The image's size budget: 299.5 MiB measured (Node's binary alone is 143 MiB), with 20% headroom. */
const SIZE_BUDGET_BYTES = 360 * 1024 * 1024;

function docker(args: string[]) {
  return spawnSync(DOCKER, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
}

/** `docker …` without blocking this process (an upload in this process must go on meanwhile). */
function dockerAsync(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(DOCKER, args);
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout }));
  });
}

async function until<T>(probe: () => Promise<T | undefined>, limitMs: number, what: string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs} ms`);
    await sleep(250);
  }
}

/** A container of the image on the host's network, its server on a free loopback port. */
async function runContainer(env: Record<string, string> = {}) {
  const port = await freeLoopbackPort();
  const name = `bt-image-${process.pid}-${port}`;
  const flags = Object.entries({ PORT: String(port), MOCK_TENANT_ID: TENANT, ...env }).flatMap(([key, value]) => [
    "-e",
    `${key}=${value}`,
  ]);
  const started = docker([
    "run",
    "-d",
    "--network",
    "host",
    "--name",
    name,
    "--health-interval",
    "2s",
    ...flags,
    IMAGE,
  ]);
  expect(started.status, started.stderr).toBe(0);
  return { name, url: `http://127.0.0.1:${port}`, startedAt: Date.now() };
}

const uploadForm = async () => {
  const form = new FormData();
  form.append("file", new Blob([await readFile(VTT)], { type: "text/vtt" }), "meeting.vtt");
  return form;
};

describe(`the image ${IMAGE}, built and run for real`, () => {
  const containers: string[] = [];
  let main: Awaited<ReturnType<typeof runContainer>>;
  let healthyAfterMs: number;

  beforeAll(async () => {
    main = await runContainer();
    containers.push(main.name);
    await until(async () => ((await fetch(`${main.url}/healthz`)).ok ? true : undefined), 15_000, "/healthz 200");
    healthyAfterMs = Date.now() - main.startedAt;
  });
  afterAll(() => {
    for (const name of containers) docker(["rm", "-f", name]);
  });

  it("answers /healthz within 15 s of docker run, and /readyz as documented", async () => {
    expect(healthyAfterMs).toBeLessThan(15_000);
    const ready = await fetch(`${main.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      config: "valid",
      transcription: { provider: "deepgram", configured: false, missing: ["DEEPGRAM_API_KEY"] },
      events: { publishing: "disabled" },
      uploads: { writable: true },
    });
  });

  it("runs Node as a non-root user, under tini as PID 1, with NODE_ENV=production", () => {
    const processes = docker([
      "exec",
      main.name,
      "node",
      "-e",
      `const fs = require("fs");
       const seen = fs.readdirSync("/proc").filter((d) => /^\\d+$/.test(d)).map((pid) => {
         const status = fs.readFileSync("/proc/" + pid + "/status", "utf8");
         return { pid: Number(pid), name: /^Name:\\s+(\\S+)/m.exec(status)[1], uid: Number(/^Uid:\\s+(\\d+)/m.exec(status)[1]) };
       });
       console.log(JSON.stringify({ seen, env: process.env.NODE_ENV }));`,
    ]);
    expect(processes.status, processes.stderr).toBe(0);
    const { seen, env } = JSON.parse(processes.stdout) as {
      seen: Array<{ pid: number; name: string; uid: number }>;
      env: string;
    };
    expect(seen.find((process) => process.pid === 1)?.name).toBe("tini");
    // Node names its main thread `node-MainThread`; the first after tini is the server (this check's own comes later).
    const server = seen.filter((process) => process.name.startsWith("node") && process.pid !== 1)[0]!;
    expect(server.uid).not.toBe(0);
    expect(env).toBe("production");
  });

  it("answers a captions upload with the same JSON as `npm start` gives for the same file", async () => {
    const headers = { "X-Tenant-ID": TENANT, "X-User-ID": "image-check" };
    const fromImage = await fetch(`${main.url}/batch/process`, { method: "POST", body: await uploadForm(), headers });
    expect(fromImage.status).toBe(200);
    const build = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(build.status, build.stdout).toBe(0);
    const home = await mkdtemp(join(tmpdir(), "image-home-"));
    const local = await startServerProcess(
      { NODE_ENV: "production", MOCK_TENANT_ID: TENANT, HOME: home, AWS_EC2_METADATA_DISABLED: "true" },
      { entry: ["dist/app/server.js"] },
    );
    try {
      const fromStart = await fetch(`${local.url}/batch/process`, {
        method: "POST",
        body: await uploadForm(),
        headers,
      });
      const [image, start] = [
        (await fromImage.json()) as Record<string, unknown>,
        (await fromStart.json()) as Record<string, unknown>,
      ];
      expect(image.interaction_id).not.toBe(start.interaction_id);
      expect({ ...image, interaction_id: "" }).toEqual({ ...start, interaction_id: "" });
    } finally {
      await local.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("turns healthy by its own health check", async () => {
    const status = await until(
      () => {
        const health = docker(["inspect", "-f", "{{.State.Health.Status}}", main.name]).stdout.trim();
        return Promise.resolve(health === "healthy" ? health : undefined);
      },
      60_000,
      "the health check passing",
    );
    expect(status).toBe("healthy");
  });

  it("on docker stop during a slow upload, lets it finish, then exits 0", async () => {
    const slow = await runContainer({ MAX_CAPTIONS_BYTES: String(4 * 1024 * 1024) });
    containers.push(slow.name);
    await until(async () => ((await fetch(`${slow.url}/healthz`)).ok ? true : undefined), 15_000, "/healthz 200");
    let stopping: Promise<{ status: number | null }> | undefined;
    const head = Buffer.from(
      (await readFile(join(ROOT, "tests/fixtures/captions/notes.txt"), "utf8")).replace(/\n/g, " "),
    );
    const result = await streamedUpload(`${slow.url}/batch/process`, {
      head,
      filler: 0x20,
      fileBytes: 2 * 1024 * 1024,
      onProgress: async (sent) => {
        if (stopping !== undefined || sent < 1024 * 1024) return;
        stopping = dockerAsync(["stop", "-t", "30", slow.name]);
        // The signal reaches the server while the rest of the body is on its way.
        await sleep(1_000);
      },
    });
    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(200);
    expect((await stopping!).status).toBe(0);
    expect(docker(["inspect", "-f", "{{.State.ExitCode}}", slow.name]).stdout.trim()).toBe("0");
  });

  it("runs the worker command from the same image: without its settings, one line and exit 2", () => {
    const worker = docker([
      "run",
      "--rm",
      "--network",
      "host",
      "--no-healthcheck",
      IMAGE,
      "node",
      "dist/app/worker.js",
    ]);
    expect(worker.status).toBe(2);
    expect(worker.stderr.trim().split("\n")).toHaveLength(1);
    expect(worker.stderr).toMatch(/needs UPLOAD_BUCKET, WORK_QUEUE_URL, JOBS_TABLE/);
  });

  it("holds nothing of development: no dev dependency, no tests, no .env", () => {
    const listing = docker([
      "run",
      "--rm",
      "--no-healthcheck",
      "--user",
      "root",
      "--entrypoint",
      "sh",
      IMAGE,
      "-c",
      "ls -a /app /app/node_modules /app/node_modules/.bin 2>/dev/null; echo ---; find / -xdev \\( -path /proc -o -path /app/node_modules \\) -prune -o \\( -name '*.test.ts' -o -name '*.test.js' -o -name '.env*' -o -name tests -o -name fixtures \\) -print 2>/dev/null",
    ]);
    expect(listing.status, listing.stderr).toBe(0);
    const [listed = "", found = ""] = listing.stdout.split("---\n");
    const entries = listed.split("\n").map((line) => line.trim());
    expect(entries).toContain("hono");
    for (const devOnly of ["typescript", "vitest", "tsx", "@pulumi", "tsc", ".env", ".env.local", "tests"])
      expect(entries, devOnly).not.toContain(devOnly);
    // None of our test files or fixtures, and no .env, anywhere outside the dependencies (which ship their own).
    expect(found.trim()).toBe("");
  });

  it("has no byte of the proxy's certificate authority in any layer", async () => {
    const caFile = process.env.NODE_EXTRA_CA_CERTS;
    if (caFile === undefined) return;
    // The proxy's own certificates: those of the file that Node does not already trust (Node's binary holds
    // its root store as text, so those appear in the image by design).
    const pem = await readFile(caFile, "utf8");
    const known = new Set(rootCertificates.map((certificate) => certificate.replace(/\s/g, "")));
    const proxy = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)]
      .map((match) => match[0])
      .filter((certificate) => !known.has(certificate.replace(/\s/g, "")));
    expect(proxy.length).toBeGreaterThan(0);
    const fingerprints = proxy.map((certificate) => certificate.split("\n")[1]!.trim());
    const folder = await mkdtemp(join(tmpdir(), "image-layers-"));
    try {
      expect(docker(["save", "-o", join(folder, "image.tar"), IMAGE]).status).toBe(0);
      expect(spawnSync("tar", ["-xf", "image.tar"], { cwd: folder }).status).toBe(0);
      const files = await readdir(folder, { recursive: true });
      const layers = files.filter((file) => file.endsWith("layer.tar") || file.startsWith("blobs/"));
      expect(layers.length).toBeGreaterThan(0);
      for (const layer of layers) {
        const bytes = await readFile(join(folder, layer)).catch(() => Buffer.alloc(0));
        for (const line of fingerprints) expect(bytes.includes(line), `${layer} holds the proxy CA`).toBe(false);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("stays within its size budget", () => {
    const bytes = Number(docker(["image", "inspect", "-f", "{{.Size}}", IMAGE]).stdout.trim());
    console.log(
      `image ${IMAGE}: ${(bytes / 1024 / 1024).toFixed(1)} MiB (budget ${SIZE_BUDGET_BYTES / 1024 / 1024} MiB)`,
    );
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(SIZE_BUDGET_BYTES);
  });
});
