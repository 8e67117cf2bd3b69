import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../scripts/moto-server.js";
import { runScript } from "../support/run-script.js";
import { Webhook } from "standardwebhooks";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VTT = join(ROOT, "tests/fixtures/captions/meeting.vtt");

/** Whether any process of the group led by `pid` is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
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
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started)
      if (child.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
  });

  it("serves, writes .env.local for consume, refuses a second session on the port, and stops every child", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const port = await freeLoopbackPort();
    const env = { HOME: home, AWS_EC2_METADATA_DISABLED: "true", PORT: String(port) };
    const first = startDev(session, env);
    started.push(first.child);
    await until(() => first.output.stdout.includes("Ctrl-C stops everything."), 120_000, "the dev banner");

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
    started.push(second.child);
    expect(await second.exited).toBe(69);
    expect(second.output.stderr).toContain(
      `npm run dev: port ${port} is in use (is another \`npm run dev\` running?): stop it, or set PORT`,
    );
    expect(second.output.stderr).not.toMatch(/^\s+at /m);
    await until(() => !groupAlive(second.child.pid!), 10_000, "the second session's processes ending");
    expect(await readFile(join(session, ".env.local"), "utf8")).toBe(written);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await until(() => !groupAlive(first.child.pid!), 20_000, "the service, the worker and the emulator stopping");
    expect(existsSync(join(session, ".env.local"))).toBe(false);
  }, 240_000);
});
