import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { listenTestApp } from "../support/listening-app.js";
import { BOUNDARY, MULTIPART_TYPE } from "../support/multipart.js";
import { rawRequest } from "../support/raw-http.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { postUpload, uploadForm } from "../support/test-app.js";

const MiB = 1024 * 1024;
// Tenant ids are UUIDs: anything else is replaced by a new id (and warned of).
const TENANT_A = randomUUID();
const TENANT_B = randomUUID();
const text = (bytes: number) => Buffer.alloc(bytes, "we ship it on friday\n");
const partHead = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`;

/** An upload directory on a 16 MiB disk, whose free space is what the open upload files leave of it. */
async function smallDisk() {
  const tempFiles = createTempFiles(await mkdtemp(join(tmpdir(), "disk-share-http-")));
  return Object.assign(tempFiles, {
    freeBytes: () => Promise.resolve(16 * MiB - tempFiles.bytesHeld("", "").total),
  });
}

describe("a tenant's share of the upload disk, over HTTP", () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Tenant A's upload, stopped after 6 MiB of its file: those bytes stay on disk while its socket is open. */
  async function stalledUpload(port: number, tempFiles: Awaited<ReturnType<typeof smallDisk>>): Promise<Socket> {
    const socket: Socket = connect(port, "127.0.0.1");
    cleanups.push(() => void socket.destroy());
    socket.on("error", () => undefined);
    socket.write(
      `POST /batch/process HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: ${TENANT_A}\r\nContent-Type: ${MULTIPART_TYPE}\r\n` +
        `Content-Length: ${8 * MiB}\r\n\r\n${partHead}`,
    );
    socket.write(text(6 * MiB));
    await vi.waitFor(() => expect(tempFiles.bytesHeld(TENANT_A, "").tenant).toBe(6 * MiB), { timeout: 20_000 });
    return socket;
  }

  it("refuses a tenant's upload past its share with a readable 429 while another tenant's is answered", async () => {
    const tempFiles = await smallDisk();
    cleanups.push(() => rm(tempFiles.directory, { recursive: true, force: true }));
    // Half the instance a tenant; 16 MiB less 2 MiB kept free: 7 MiB a tenant.
    const service = await listenTestApp({
      tempFiles,
      minFreeDiskBytes: 2 * MiB,
      maxConcurrentRequests: 8,
      maxConcurrentRequestsPerTenant: 4,
      maxCaptionsBytes: 8 * MiB,
    });
    cleanups.push(() => service.close());

    // Tenant A's first upload stops after 6 MiB of its file: those bytes stay on disk while it is open.
    const first = await stalledUpload(service.port, tempFiles);

    // A declared size past the share: refused before the body is read.
    const declared = await postUpload(service.app, uploadForm(text(2 * MiB), "notes.txt"), {
      "X-Tenant-ID": TENANT_A,
    });
    expect(declared.status).toBe(429);
    expect(declared.headers.get("Content-Type")).toBe("application/problem+json");
    expect(declared.headers.get("Retry-After")).toBe("30");
    expect(await declared.json()).toMatchObject({ code: "tenant_too_busy", retry_after_s: 30 });

    // No declared size (chunked): refused once its bytes on disk would pass the share, mid-body.
    const chunk = Buffer.concat([Buffer.from(partHead), text(64 * 1024 - partHead.length)]);
    const chunked = await rawRequest({
      port: service.port,
      head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: ${TENANT_A}\r\nContent-Type: ${MULTIPART_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      body: (index) =>
        index < 64
          ? Buffer.concat([
              Buffer.from(`${chunk.length.toString(16)}\r\n`),
              index === 0 ? chunk : text(chunk.length),
              Buffer.from("\r\n"),
            ])
          : undefined,
    });
    expect(chunked.status).toBe(429);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: "tenant_too_busy" });
    await vi.waitFor(() => expect(tempFiles.openCount).toBe(1), { timeout: 10_000 });

    // Another tenant's large file is not refused: tenant A's files left it the disk it needs.
    const other = await postUpload(service.app, uploadForm(text(3 * MiB), "notes.txt"), { "X-Tenant-ID": TENANT_B });
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ source: "captions", tenant_id: TENANT_B });

    first.destroy();
    await vi.waitFor(() => expect(tempFiles.openCount).toBe(0), { timeout: 20_000 });
    // With its first file gone, the tenant's next large upload is taken.
    const after = await postUpload(service.app, uploadForm(text(3 * MiB), "notes.txt"), { "X-Tenant-ID": TENANT_A });
    expect(after.status).toBe(200);
  });

  it("holds a job's result read for its subtitles to the same share and reserve, and leaves nothing on disk", async () => {
    const tempFiles = await smallDisk();
    cleanups.push(() => rm(tempFiles.directory, { recursive: true, force: true }));
    const jobs = memoryJobs();
    const service = await listenTestApp({
      tempFiles,
      jobs,
      minFreeDiskBytes: 2 * MiB,
      maxConcurrentRequests: 8,
      maxConcurrentRequestsPerTenant: 4,
      maxCaptionsBytes: 8 * MiB,
    });
    cleanups.push(() => service.close());
    const words = Array.from({ length: 40_000 }, (_, index) => ({
      word: "friday",
      punctuated_word: "Friday.",
      start: index,
      end: index + 0.5,
      confidence: 0.9,
    }));
    const result = (tenantId: string) =>
      jobs.seedCompleted(tenantId, {
        raw_transcript: "we ship on friday ".repeat(60_000),
        cleaned_transcript: "We ship on Friday.",
        cleaner: "rules",
        source: "audio",
        metadata: { provider: "deepgram", model: "nova-3", duration_s: 40_000, request_id: null },
        words,
        confidence: 0.9,
        language: null,
        options: null,
      });
    const [ofA, ofB] = [await result(TENANT_A), await result(TENANT_B)];
    const subtitles = (tenantId: string, id: string) =>
      service.app.request(`/batch/jobs/${id}/captions?format=vtt`, { headers: { "X-Tenant-ID": tenantId } });

    const first = await stalledUpload(service.port, tempFiles);
    // Tenant A's 6 MiB upload and a result of over 4 MiB would pass its 7 MiB share: refused, nothing read.
    const refused = await subtitles(TENANT_A, ofA);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(refused.headers.get("Retry-After")).toBe("30");
    expect(await refused.json()).toMatchObject({ code: "tenant_too_busy" });
    expect(tempFiles.openCount).toBe(1);
    // Another tenant's result of the same size fits the disk tenant A's upload left.
    const other = await subtitles(TENANT_B, ofB);
    expect(other.status).toBe(200);
    expect(await other.text()).toContain("Friday.");

    first.destroy();
    await vi.waitFor(() => expect(tempFiles.openCount).toBe(0), { timeout: 20_000 });
    expect((await subtitles(TENANT_A, ofA)).status).toBe(200);
    expect(tempFiles.openCount).toBe(0);
    // The reserve holds for a result as for an upload: with less free than the result and the reserve, 507.
    tempFiles.freeBytes = () => Promise.resolve(4 * MiB);
    const full = await subtitles(TENANT_B, ofB);
    expect(full.status).toBe(507);
    expect(await full.json()).toMatchObject({ code: "insufficient_storage" });
    expect(tempFiles.openCount).toBe(0);
  });
});
