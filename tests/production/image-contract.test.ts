import { execFileSync, execSync, spawnSync } from "node:child_process";
import { copyFile, cp, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerProcess } from "../support/worker-process.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Stage {
  from: string;
  name: string;
  instructions: Array<{ keyword: string; args: string }>;
}

/** The Dockerfile's stages and instructions (line continuations joined, comments dropped). */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const value = rest.join(" ");
    if (keyword === "ARG" && stages.length === 0) {
      const [name = "", defaultValue = ""] = value.split("=");
      args[name] = defaultValue;
    } else if (keyword === "FROM") {
      const [image = "", , name = ""] = value.split(/\s+/);
      stages.push({ from: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? ""), name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword, args: value });
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(await readFile(join(ROOT, "Dockerfile"), "utf8"));
const dockerignore = (await readFile(join(ROOT, ".dockerignore"), "utf8"))
  .split("\n")
  .filter((line) => line && !line.startsWith("#"));
/** What `.dockerignore` lets into the build context: it ignores everything, then re-includes these. */
const dockerContext = dockerignore
  .filter((line) => line.startsWith("!"))
  .map((line) => line.slice(1).replace(/\/$/, ""));
const runtime = dockerfile.stages.at(-1)!;
const instruction = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("the production image's contract, proven without a Docker engine", () => {
  let folder: string;
  let server: ServerProcess;

  beforeAll(async () => {
    // The build stage: compile the TypeScript from nothing but the build context .dockerignore lets through,
    // so an import from outside it fails here as it would in `docker build`.
    folder = await mkdtemp(join(tmpdir(), "image-contract-"));
    const context = join(folder, "context");
    for (const entry of dockerContext) await cp(join(ROOT, entry), join(context, entry), { recursive: true });
    await symlink(join(ROOT, "node_modules"), join(context, "node_modules"));
    execFileSync(
      process.execPath,
      [
        join(ROOT, "node_modules/typescript/bin/tsc"),
        "-p",
        join(context, "tsconfig.build.json"),
        "--outDir",
        join(folder, "dist"),
      ],
      {
        stdio: "inherit",
      },
    );
    // The runtime stage: the lockfile's production dependencies only, installed as the Dockerfile does.
    for (const file of ["package.json", "package-lock.json"]) await copyFile(join(ROOT, file), join(folder, file));
    // The production install, as the stage the runtime copies its node_modules from runs it.
    const dependencies = dockerfile.stages.find((stage) => stage.name === "production-dependencies")!;
    const install = dependencies.instructions
      .filter((i) => i.keyword === "RUN")
      .map((i) => /npm ci [^&]*/.exec(i.args)?.[0])
      .find((command) => command?.includes("--omit=dev"))!;
    expect(instruction("COPY")).toContain("--from=production-dependencies /app/node_modules ./node_modules");
    execSync(install, {
      cwd: folder,
      stdio: "inherit",
      env: { ...process.env, npm_config_ignore_scripts: "true" },
    });
    const [command, ...args] = JSON.parse(instruction("CMD")[0]!) as string[];
    expect(command).toBe("node");
    server = await startServerProcess({ PORT: "0", NODE_ENV: "production" }, { entry: args, cwd: folder });
  }, 300_000);

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    await rm(folder, { recursive: true, force: true });
  });

  it("runs on the Node major the tests use, from a slim official image, as a non-root user under an init", () => {
    const major = process.versions.node.split(".")[0];
    expect(major).toBe("26");
    expect(runtime.from).toBe(`node:${major}-bookworm-slim`);
    expect(instruction("USER")).toEqual(["node"]);
    expect(instruction("ENTRYPOINT")).toEqual(['["/usr/bin/tini", "--"]']);
    expect(instruction("HEALTHCHECK")[0]).toMatch(/\/healthz/);
    expect(instruction("ENV").join(" ")).toMatch(/PORT=3000/);
    expect(instruction("ENV").join(" ")).toMatch(/NODE_OPTIONS=--max-semi-space-size=2/);
  });

  it("ships production dependencies only", async () => {
    const installed = await readdir(join(folder, "node_modules"));
    expect(installed).toContain("hono");
    for (const devOnly of ["vitest", "typescript", "@pulumi", "tsx", "node"]) expect(installed).not.toContain(devOnly);
  });

  it("answers /healthz and a captions upload", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const form = new FormData();
    form.append("file", new Blob([await readFile(join(ROOT, "tests/fixtures/captions/meeting.vtt"))]), "meeting.vtt");
    const response = await fetch(`${server.url}/batch/process`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ source: "captions", cleaner: "rules" });
  });

  it("runs the worker from the same image: `node dist/app/worker.js`", async () => {
    const missing = spawnSync(process.execPath, ["dist/app/worker.js"], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/needs UPLOAD_BUCKET, WORK_QUEUE_URL, JOBS_TABLE/);
    const worker = await startWorkerProcess(
      {
        NODE_ENV: "production",
        AWS_ENDPOINT_URL: "http://127.0.0.1:1",
        AWS_ACCESS_KEY_ID: "x",
        AWS_SECRET_ACCESS_KEY: "x",
        UPLOAD_BUCKET: "uploads",
        WORK_QUEUE_URL: "http://127.0.0.1:1/000000000000/work",
        JOBS_TABLE: "jobs",
      },
      { entry: ["dist/app/worker.js"], cwd: folder },
    );
    expect(worker.logs.find((line) => line.msg === "worker started")).toMatchObject({ role: "worker", concurrency: 4 });
    expect(await worker.stop()).toBe(0);
  }, 60_000);

  it("keeps the build context small", () => {
    expect(dockerignore[0]).toBe("*");
    expect(dockerContext.sort()).toEqual([
      "app",
      "package-lock.json",
      "package.json",
      "tsconfig.build.json",
      "tsconfig.json",
    ]);
  });
});
