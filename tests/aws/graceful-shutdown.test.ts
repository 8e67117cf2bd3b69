import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  awsClients,
  createTestPipeline,
  drainQueue,
  motoUrl,
  resetMoto,
  TEST_CREDENTIALS,
  type TestPipeline,
} from "../support/moto.js";
import { startServerProcess } from "../support/server-process.js";
import { streamedUpload } from "../support/streamed-upload.js";

const MiB = 1024 * 1024;

describe("graceful shutdown of a real server process", () => {
  const clients = awsClients();
  let pipeline: TestPipeline;
  let textHead: Buffer;

  beforeAll(async () => {
    await resetMoto();
    pipeline = await createTestPipeline(clients);
    textHead = Buffer.from(
      (await readFile(new URL("../fixtures/captions/notes.txt", import.meta.url), "utf8")).replace(/\n/g, " "),
    );
  });

  const env = (grace: number) => ({
    AWS_ENDPOINT_URL: motoUrl(),
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    SHUTDOWN_GRACE_MS: String(grace),
  });

  /**
   * A captions upload that pauses half way for `pauseMs`, sending SIGTERM to the server during the pause, once
   * the server has the request: bytes the kernel took for a connection the server has not yet accepted are no
   * request in flight, and closing the listener resets such a connection on any server.
   */
  function slowUploadWithSigterm(server: Awaited<ReturnType<typeof startServerProcess>>, pauseMs: number) {
    let signalled = false;
    return streamedUpload(`${server.url}/batch/process`, {
      head: textHead,
      fileBytes: 2 * MiB,
      filler: 0x20,
      onProgress: async (sent) => {
        if (!signalled && sent >= MiB) {
          signalled = true;
          await vi.waitFor(
            () => expect(server.logs.some((line) => line.msg === "batch processing started")).toBe(true),
            { timeout: 10_000 },
          );
          server.child.kill("SIGTERM");
          await sleep(pauseMs);
        }
      },
    });
  }

  it("finishes the request in flight, publishes its event, then exits 0", async () => {
    const server = await startServerProcess({ ...env(10_000), MAX_CAPTIONS_BYTES: String(4 * MiB) });
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", resolve));
    const result = await slowUploadWithSigterm(server, 1_000);
    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(200);
    const body = JSON.parse(result.body) as { interaction_id: string; event: { status: string } };
    expect(body.event.status).toBe("published");
    expect(await exited).toBe(0);

    const messages = await drainQueue(clients.sqs, pipeline.queueUrl, { waitMs: 3_000 });
    expect(
      messages.map(
        (message) => (JSON.parse(message.Body!) as { detail: { interaction_id: string } }).detail.interaction_id,
      ),
    ).toEqual([body.interaction_id]);
    expect(server.logs.some((line) => line.msg === "all requests finished; exiting")).toBe(true);
  });

  it("past the grace period, logs what it abandons, removes its temporary file and exits non-zero", async () => {
    const uploadDir = await mkdtemp(join(tmpdir(), "batch-shutdown-"));
    const server = await startServerProcess({
      ...env(300),
      MAX_CAPTIONS_BYTES: String(4 * MiB),
      UPLOAD_DIR: uploadDir,
    });
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", resolve));
    const upload = slowUploadWithSigterm(server, 3_000).catch(() => "aborted" as const);
    expect(await exited).toBe(1);
    const abandoned = server.logs.find((line) => line.msg === "grace period over: abandoning in-flight requests");
    expect(abandoned).toMatchObject({ level: "error", abandoned: [{ method: "POST", path: "/batch/process" }] });
    expect(server.logs.find((line) => line.msg === "abandoned uploads removed")).toMatchObject({ removed: 1 });
    expect(await readdir(uploadDir)).toEqual([]);
    await upload;
    await rm(uploadDir, { recursive: true, force: true });
  });
});
