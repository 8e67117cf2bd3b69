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
    const first: Socket = connect(service.port, "127.0.0.1");
    cleanups.push(() => void first.destroy());
    first.on("error", () => undefined);
    first.write(
      `POST /batch/process HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: ${TENANT_A}\r\nContent-Type: ${MULTIPART_TYPE}\r\n` +
        `Content-Length: ${8 * MiB}\r\n\r\n${partHead}`,
    );
    first.write(text(6 * MiB));
    await vi.waitFor(() => expect(tempFiles.bytesHeld(TENANT_A, "").tenant).toBe(6 * MiB), { timeout: 20_000 });

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
    await vi.waitFor(() => expect(tempFiles.openCount).toBe(1));

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
});
