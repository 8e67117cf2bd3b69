import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../scripts/moto-server.js";
import { runScript } from "../support/run-script.js";
import { streamedUpload } from "../support/streamed-upload.js";
import { Webhook } from "standardwebhooks";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VTT = join(ROOT, "tests/fixtures/captions/meeting.vtt");

/** `pid` and every process started under it (children run in their own process groups), from /proc. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may hold spaces and parentheses: the fields after its last ")" are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++)
    for (const [child, parent] of parents) if (parent === tree[index]) tree.push(child);
  return tree;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs} ms`);
    await sleep(100);
  }
}

/** `npm run dev` as a person starts it, in its own process group so what it leaves behind can be seen. */
function startDev(cwd: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), join(ROOT, "scripts/dev.ts")],
    {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

describe("the dev loop: npm run dev, then the tools with no variables set", () => {
  const started: number[] = [];
  /** What a session started, seen while it runs: checked to be gone once it stops. */
  const track = (pid: number) => {
    const tree = processTree(pid);
    started.push(...tree);
    return tree;
  };
  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  });

  it("serves, writes .env.local for consume, refuses a second session on the port, and stops every child", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const port = await freeLoopbackPort();
    const env = { HOME: home, AWS_EC2_METADATA_DISABLED: "true", PORT: String(port) };
    const first = startDev(session, env);
    await until(
      () => first.output.stdout.includes("Ctrl-C stops everything, letting requests in progress finish."),
      120_000,
      "the dev banner",
    );
    // dev, the emulator, the service and the worker (each child in its own process group).
    const firstTree = track(first.child.pid!);
    expect(firstTree.length).toBeGreaterThanOrEqual(4);

    expect(first.output.stdout).toContain(`Ready: http://localhost:${port}/`);
    expect(first.output.stdout).toContain(
      `curl -F file=@tests/fixtures/captions/meeting.vtt http://localhost:${port}/batch/process`,
    );
    expect(first.output.stdout).toContain("npm run consume -- --once");
    expect(first.output.stdout).not.toMatch(/configuration loaded/);
    const written = await readFile(join(session, ".env.local"), "utf8");
    expect(written).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(written).toMatch(/^QUEUE_URL=http:\/\/127\.0\.0\.1:\d+\/\d+\/meeting-transcripts-queue$/m);

    const form = new FormData();
    form.append("file", new Blob([await readFile(VTT)], { type: "text/vtt" }), "meeting.vtt");
    const answer = (await (
      await fetch(`http://127.0.0.1:${port}/batch/process`, { method: "POST", body: form })
    ).json()) as { interaction_id: string; event: { status: string } };
    expect(answer.event.status).toBe("published");
    // One readable line for the request: method, path, status, time, interaction id, outcome.
    await until(() => first.output.stdout.includes("POST /batch/process → 200"), 10_000, "the access line");
    const access = first.output.stdout.split("\n").find((line) => line.includes("POST /batch/process → 200"));
    expect(access).toMatch(
      new RegExp(`INFO  ${answer.interaction_id} POST /batch/process → 200 in \\d+ ms .*event_status=published`),
    );
    expect(first.output.stdout).not.toMatch(/transcript cleaned/);

    const consumed = await runScript(
      "scripts/consume.ts",
      ["--once"],
      { HOME: home, AWS_EC2_METADATA_DISABLED: "true" },
      { cwd: session },
    );
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout).toMatch(
      new RegExp(
        `BatchProcessingCompleted tenant=\\S+ interaction=${answer.interaction_id} .*"Alice: So I think we should ship the …"`,
      ),
    );

    // A job with a callback to a receiver on this machine: the dev worker calls back, signed with this session's secret.
    const receiver = await startWebhookReceiver();
    try {
      const hookForm = new FormData();
      hookForm.append("file", new Blob([await readFile(VTT)], { type: "text/vtt" }), "meeting.vtt");
      const submitted = await fetch(
        `http://127.0.0.1:${port}/batch/jobs?callback_url=${encodeURIComponent(receiver.hookUrl)}`,
        { method: "POST", body: hookForm },
      );
      expect(submitted.status).toBe(202);
      await until(() => receiver.received.length > 0, 60_000, "the webhook");
      const secret = /^WEBHOOK_SECRET=(.+)$/m.exec(written)![1]!;
      const hook = receiver.received[0]!;
      expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({
        type: "batch.processing.completed",
        interaction_id: ((await submitted.json()) as { interaction_id: string }).interaction_id,
      });
    } finally {
      await receiver.close();
    }

    const second = startDev(session, env);
    started.push(second.child.pid!);
    expect(await second.exited).toBe(69);
    expect(second.output.stderr).toContain(
      `npm run dev: port ${port} is in use (is another \`npm run dev\` running?): stop it, or set PORT`,
    );
    expect(second.output.stderr).not.toMatch(/^\s+at /m);
    await until(() => !alive(second.child.pid!), 10_000, "the second session ending");
    expect(await readFile(join(session, ".env.local"), "utf8")).toBe(written);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await until(
      () => firstTree.every((pid) => !alive(pid)),
      20_000,
      "the service, the worker and the emulator stopping",
    );
    expect(existsSync(join(session, ".env.local"))).toBe(false);
  }, 240_000);

  /** The local addresses listening on `port`, as `ss` shows them. */
  function listeners(port: number): string[] {
    const shown = spawnSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" }).stdout;
    return shown
      .trim()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.trim().split(/\s+/)[3]!);
  }

  it("reads .env, listens on 127.0.0.1 only, and Ctrl-C lets an upload in progress finish before all stops", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const port = await freeLoopbackPort();
    await writeFile(join(session, ".env"), "LOG_LEVEL=debug\nMAX_CAPTIONS_BYTES=4194304\n");
    const dev = startDev(session, { HOME: home, AWS_EC2_METADATA_DISABLED: "true", PORT: String(port) });
    await until(() => dev.output.stdout.includes("Ctrl-C stops everything"), 120_000, "the dev banner");
    const tree = track(dev.child.pid!);
    // LOG_LEVEL from .env: the service's debug lines are there.
    expect(dev.output.stdout).toMatch(/configuration loaded/);
    expect(listeners(port)).toEqual([`127.0.0.1:${port}`]);

    let interrupted = false;
    const result = await streamedUpload(`http://127.0.0.1:${port}/batch/process`, {
      head: Buffer.from((await readFile(join(ROOT, "tests/fixtures/captions/notes.txt"), "utf8")).replace(/\n/g, " ")),
      filler: 0x20,
      fileBytes: 2 * 1024 * 1024,
      onProgress: async (sent) => {
        if (interrupted || sent < 1024 * 1024) return;
        interrupted = true;
        // What a terminal's Ctrl-C does: SIGINT to every process of the foreground group.
        process.kill(-dev.child.pid!, "SIGINT");
        await sleep(500);
      },
    });
    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ event: { status: "published" } });
    expect(await dev.exited).toBe(0);
    expect(existsSync(join(session, ".env.local"))).toBe(false);
    expect(dev.output.stderr).not.toMatch(/unsettled top-level await/i);
    await until(() => tree.every((pid) => !alive(pid)), 20_000, "every child stopping");
  }, 240_000);

  it("in api-key mode the banner's curl carries this session's key; SIGHUP stops it all and removes .env.local", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const port = await freeLoopbackPort();
    const dev = startDev(session, {
      HOME: home,
      AWS_EC2_METADATA_DISABLED: "true",
      PORT: String(port),
      AUTH_MODE: "api-key",
    });
    await until(() => dev.output.stdout.includes("Ctrl-C stops everything"), 120_000, "the dev banner");
    const tree = track(dev.child.pid!);
    const key = /curl -H "X-API-Key: (bts_[\w-]+)" -F file=@/.exec(dev.output.stdout)?.[1];
    expect(key).toBeDefined();
    const form = new FormData();
    form.append("file", new Blob([await readFile(VTT)], { type: "text/vtt" }), "meeting.vtt");
    const withKey = await fetch(`http://127.0.0.1:${port}/batch/process`, {
      method: "POST",
      body: form,
      headers: { "X-API-Key": key! },
    });
    expect(withKey.status).toBe(200);
    expect(existsSync(join(session, ".env.local"))).toBe(true);
    process.kill(-dev.child.pid!, "SIGHUP");
    expect(await dev.exited).toBe(0);
    expect(existsSync(join(session, ".env.local"))).toBe(false);
    expect(dev.output.stderr).not.toMatch(/unsettled top-level await/i);
    await until(() => tree.every((pid) => !alive(pid)), 20_000, "every child stopping");
  }, 240_000);
});
