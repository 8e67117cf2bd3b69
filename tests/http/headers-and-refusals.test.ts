import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenTestApp } from "../support/listening-app.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { rawRequest } from "../support/raw-http.js";

describe("headers on every kind of answer", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  const jobs = memoryJobs();
  beforeAll(async () => {
    service = await listenTestApp({ jobs });
  });
  afterAll(() => service.close());

  const get = (path: string, init: RequestInit = {}) => fetch(`${service.url}${path}`, init);

  it.each([
    ["the page", "/"],
    ["a health check", "/healthz"],
    ["a problem page", "/problems/payload-too-large"],
    ["the OpenAPI document", "/openapi.json"],
    ["an unknown path", "/nope"],
  ])("%s: nosniff and no referrer", async (_, path) => {
    const response = await get(path);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  });

  it.each([
    ["a transcript", "/batch/process", { method: "POST", body: formOf("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n") }],
    ["a refused upload", "/batch/process", { method: "POST", body: formOf("") }],
    ["a job list", "/batch/jobs", {}],
    ["a missing job", "/batch/jobs/11111111-1111-4111-8111-111111111111", {}],
    ["a wrong method", "/batch/subtitles", {}],
    [
      "a transcript refused for subtitles",
      "/batch/subtitles",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: "[]" },
    ],
  ] as const)("%s: never stored, varying with the credential and the tenant", async (_, path, init) => {
    const response = await get(path, init);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Vary")).toMatch(/Authorization, X-API-Key/);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("a short answer comes whole with its Content-Length; a long one is streamed, chunked", async () => {
    const cue = (index: number) =>
      `00:${String(index % 60).padStart(2, "0")}.000 --> 00:59.000\nhello number ${index}\n`;
    const short = await get("/batch/process", { method: "POST", body: formOf(`WEBVTT\n\n${cue(1)}`) });
    const shortBody = Buffer.from(await short.arrayBuffer());
    expect(short.headers.get("Transfer-Encoding")).toBeNull();
    expect(Number(short.headers.get("Content-Length"))).toBe(shortBody.length);
    expect(JSON.parse(shortBody.toString("utf8"))).toMatchObject({ cleaned_transcript: "Hello number 1" });
    const subtitles = await get("/batch/process", {
      method: "POST",
      headers: { Accept: "text/vtt" },
      body: formOf(`WEBVTT\n\n${cue(1)}`),
    });
    const subtitlesBody = Buffer.from(await subtitles.arrayBuffer());
    expect(subtitlesBody.toString("utf8")).toMatch(/^WEBVTT/);
    expect(Number(subtitles.headers.get("Content-Length"))).toBe(subtitlesBody.length);
    // Its transcripts and turns come to well over 64 Ki characters of JSON.
    const cues = Array.from({ length: 2_000 }, (_, index) => cue(index)).join("\n");
    const long = await get("/batch/process", { method: "POST", body: formOf(`WEBVTT\n\n${cues}`) });
    expect(long.headers.get("Transfer-Encoding")).toBe("chunked");
    expect(long.headers.get("Content-Length")).toBeNull();
    const answer = (await long.json()) as { utterances: unknown[] };
    expect(answer.utterances).toHaveLength(2_000);
  });

  it("a problem page in a browser runs nothing: a Content-Security-Policy", async () => {
    const response = await get("/problems/payload-too-large", { headers: { Accept: "text/html" } });
    expect(response.headers.get("Content-Security-Policy")).toMatch(/default-src 'none'/);
  });

  it("counts methods it does not know as `other`: a client cannot add metric series", async () => {
    for (const method of ["PROPFIND", "MKCOL", "BREW", "PURGE"])
      await rawRequest({
        port: service.port,
        head: `${method} /batch/process HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      });
    const metrics = await (await get("/metrics")).text();
    const methods = new Set(
      [...metrics.matchAll(/http_requests_total\{[^}]*method="([^"]+)"/g)].map((match) => match[1]),
    );
    expect(methods.has("other")).toBe(true);
    for (const method of methods)
      expect(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"]).toContain(method);
  });
});

function formOf(text: string): FormData {
  const form = new FormData();
  form.append("file", new Blob([text]), "a.vtt");
  return form;
}

describe("a refusal by Node's own parser is heard", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  beforeAll(async () => {
    service = await listenTestApp();
  });
  afterAll(() => service.close());

  it("a client that keeps sending after a 431 reads the whole answer, and the connection closes without a reset", async () => {
    const answer = await rawRequest({
      port: service.port,
      head:
        `POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: ${16 * 1024 * 1024}\r\n` +
        `X-Padding: ${"a".repeat(17 * 1024)}\r\n\r\n`,
      body: (index) => (index < 256 ? Buffer.alloc(64 * 1024) : undefined),
      keepWriting: true,
      halfClose: true,
    });
    expect(answer.status).toBe(431);
    expect(answer.ending).toBe("closed");
  });

  it("a fetch still streaming its body reads the 431 for a 17 KB header, in 20 of 20 tries", async () => {
    const statuses: Array<number | string> = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      // 16 MiB in 256 chunks, still being sent when the refusal comes.
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ === 256) controller.close();
          else controller.enqueue(new Uint8Array(64 * 1024));
        },
      });
      try {
        const response = await fetch(`${service.url}/batch/process`, {
          method: "POST",
          headers: { "Content-Type": "audio/wav", "X-Padding": "a".repeat(17 * 1024) },
          body,
          duplex: "half",
          signal: AbortSignal.timeout(10_000),
        });
        statuses.push(response.status);
        await response.body?.cancel();
      } catch (error) {
        statuses.push((error as Error & { cause?: { code?: string } }).cause?.code ?? String(error));
      }
    }
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 431));
  }, 60_000);
});

describe("each tenant's share of the instance", () => {
  it("a tenant holding its share gets 429 for one more, while another tenant's upload is answered", async () => {
    const service = await listenTestApp({ maxConcurrentRequestsPerTenant: 1, uploadIdleTimeoutMs: 5_000 });
    const tenantA = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const tenantB = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    try {
      // Tenant A's upload trickles: it holds A's one slot.
      const stalled = rawRequest({
        port: service.port,
        head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: ${tenantA}\r\nContent-Type: text/vtt\r\nContent-Length: 100000\r\n\r\n`,
        body: Buffer.alloc(100_000, 0x61),
        stallAfterBytes: 10,
      });
      const form = () => {
        const body = new FormData();
        body.append("file", new Blob(["WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n"]), "a.vtt");
        return body;
      };
      let refused: Response | undefined;
      await expect
        .poll(
          async () => {
            refused = await fetch(`${service.url}/batch/process`, {
              method: "POST",
              body: form(),
              headers: { "X-Tenant-ID": tenantA },
            });
            return refused.status;
          },
          { timeout: 5_000 },
        )
        .toBe(429);
      expect(refused!.headers.get("Retry-After")).toBe("5");
      expect(await refused!.json()).toMatchObject({ code: "tenant_too_busy" });
      const other = await fetch(`${service.url}/batch/process`, {
        method: "POST",
        body: form(),
        headers: { "X-Tenant-ID": tenantB },
      });
      expect(other.status).toBe(200);
      expect((await stalled).status).toBe(408);
    } finally {
      await service.close();
    }
  });
});

describe("a minimum upload rate", () => {
  it("cuts a trickling body with 408 upload_too_slow long before its idle timeout, freeing its slot", async () => {
    const service = await listenTestApp({
      uploadIdleTimeoutMs: 60_000,
      minUploadRate: { bytesPerS: 1_000, windowMs: 300 },
      maxConcurrentRequests: 1,
    });
    try {
      const started = Date.now();
      const answer = await rawRequest({
        port: service.port,
        head: "POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: text/vtt\r\nContent-Length: 100000\r\n\r\n",
        body: Buffer.alloc(100_000, 0x61),
        stallAfterBytes: 10,
      });
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "upload_too_slow", min_bytes_per_s: 1_000 });
      expect(Date.now() - started).toBeLessThan(60_000);
      // The slot is free again: the next upload is answered.
      const form = new FormData();
      form.append("file", new Blob(["WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n"]), "a.vtt");
      expect((await fetch(`${service.url}/batch/process`, { method: "POST", body: form })).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
