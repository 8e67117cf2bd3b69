import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenTestApp } from "../support/listening-app.js";
import { uploadForm } from "../support/test-app.js";
import { inlineTextWork } from "../../app/text-work/text-work.js";
import { MULTIPART_TYPE, multipartBody } from "../support/multipart.js";
import { readWithPauses } from "../support/paced-reader.js";
import { gate } from "../support/gate.js";

const IDLE_MS = 2_000;
const MiB = 1024 * 1024;
const CUT = "the client read nothing of the answer in time; connection closed";

/**
 * Plain-text captions whose answer (the raw and the cleaned transcript) is about 14 MiB: more than loopback's
 * socket buffers hold, so a client that does not read stalls the server's writes.
 */
const text = "so we we should ship the release on friday um\n".repeat(Math.ceil((7 * MiB) / 46));
const body = multipartBody([{ name: "file", filename: "long.txt", content: text }]);

/** An upload of `form` (the long captions unless given) as the bytes of a request, with `headers` added. */
function rawUpload(headers: Record<string, string> = {}, form: Buffer = body): Buffer {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.concat([
    Buffer.from(
      "POST /batch/process HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        `Content-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${form.length}\r\n${extra.join("")}\r\n`,
    ),
    form,
  ]);
}

/** A short plain-text captions file, as a multipart form: a small answer. */
const shortForm = (content: string) => multipartBody([{ name: "file", filename: "short.txt", content }]);

type Service = Awaited<ReturnType<typeof listenTestApp>>;

const connections = (service: Service) =>
  new Promise<number>((resolve, reject) =>
    service.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

async function open(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  return socket;
}

async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a client that stops reading its answer", () => {
  let service: Service;

  beforeAll(async () => {
    service = await listenTestApp({
      uploadIdleTimeoutMs: IDLE_MS,
      maxCaptionsBytes: 16 * MiB,
      maxUploadBytes: 16 * MiB,
    });
  });
  afterAll(() => service.close());

  it("has its connection closed once the answer moves for the idle limit, and the server lets go of it", async () => {
    const socket = await open(service.port);
    socket.on("error", () => undefined);
    socket.write(rawUpload());
    // Read the status line, then nothing more.
    const head = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
    socket.pause();
    expect(head.toString("latin1")).toMatch(/^HTTP\/1\.1 200 /);

    const warned = () =>
      service.logs.lines.find(
        (line) => line.msg === "the client read nothing of the answer in time; connection closed",
      );
    await until(() => warned() !== undefined, "the warning");
    expect(warned()).toMatchObject({ level: "warn", path: "/batch/process", idle_s: IDLE_MS / 1000 });
    expect(warned()?.interaction_id).toEqual(expect.any(String));
    await until(async () => (await connections(service)) === 0, "the server to close the connection");

    // What the client reads now ends short of the answer's end: it was cut, not completed.
    const rest: Buffer[] = [head];
    socket.on("data", (chunk: Buffer) => rest.push(chunk));
    socket.resume();
    await new Promise((resolve) => socket.once("close", resolve));
    const received = Buffer.concat(rest).toString("utf8");
    expect(received.length).toBeLessThan(2 * text.length);
    expect(received.trimEnd().endsWith("}")).toBe(false);
  });

  it("a client that pauses for less than the limit gets the whole answer, however long it takes", async () => {
    const started = Date.now();
    // A pause of a tenth of the limit every MiB read: the answer takes longer than the limit in all.
    const read = await readWithPauses({
      port: service.port,
      method: "POST",
      path: "/batch/process",
      headers: { "content-type": MULTIPART_TYPE },
      body,
      everyBytes: MiB,
      pauseMs: IDLE_MS / 10,
    });
    expect(read.complete).toBe(true);
    const answer = JSON.parse(read.body.toString("utf8")) as Record<string, string>;
    expect(answer.raw_transcript?.length).toBeGreaterThan(6 * MiB);
    expect(answer.cleaned_transcript?.length).toBeGreaterThan(MiB);
    expect(Date.now() - started).toBeGreaterThan(IDLE_MS);
    const itsLines = service.logs.lines.filter((line) => line.interaction_id === answer.interaction_id);
    expect(itsLines.map((line) => line.msg)).toContain("request completed");
    expect(itsLines.map((line) => line.msg)).not.toContain(CUT);
  });

  it("a kept-alive connection outlives the limit between requests, and still ends at its keep-alive timeout", async () => {
    const socket = await open(service.port);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    const answered = () => /\r\n\r\n[\s\S]*\}\s*(0\r\n\r\n)?$/.test(received);
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await until(answered, "the first answer");
    // Idle past the limit but within the keep-alive timeout (5 s here), then a second request on it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 500));
    expect(socket.destroyed).toBe(false);
    received = "";
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await until(answered, "the second answer");
    expect(received).toMatch(/^HTTP\/1\.1 \d{3} /);
    // Left idle, the server closes it: the limit's clearing did not take the keep-alive timeout with it.
    await until(() => socket.readableEnded || socket.destroyed, "the keep-alive timeout", 30_000);
  });
});

describe("a request counts against its tenant's share until its answer has left", () => {
  const TENANT_A = "11111111-1111-4111-8111-111111111111";
  const TENANT_B = "22222222-2222-4222-8222-222222222222";
  let service: Service;
  /** When set, the next captions import (holding `only`, if given) signals it started and waits for `released`. */
  let hold: { started: () => void; released: Promise<void>; only?: string } | undefined;

  beforeAll(async () => {
    const inline = inlineTextWork();
    service = await listenTestApp({
      uploadIdleTimeoutMs: IDLE_MS,
      maxCaptionsBytes: 16 * MiB,
      maxUploadBytes: 16 * MiB,
      maxConcurrentRequestsPerTenant: 1,
      textWork: {
        ...inline,
        // Held, when a test asks, until its client has gone: the answer is written to a closed connection.
        importCaptions: async (task) => {
          const held = hold;
          const text = "contents" in task.source ? Buffer.from(task.source.contents).toString("utf8") : "";
          if (held?.only !== undefined && !text.includes(held.only)) return inline.importCaptions(task);
          hold = undefined;
          if (held !== undefined) {
            held.started();
            await held.released;
          }
          return inline.importCaptions(task);
        },
      },
    });
  });
  afterAll(() => service.close());

  /** Holds the next captions import (of a file holding `only`, if given) until `release` is called. */
  function holdNextImport(only?: string) {
    const started = gate();
    const released = gate();
    hold = { started: started.open, released: released.opened, ...(only !== undefined && { only }) };
    return { importStarted: started.opened, release: released.open };
  }

  const smallUpload = (tenant: string) =>
    fetch(`${service.url}/batch/process`, {
      method: "POST",
      headers: { "X-Tenant-ID": tenant, "X-User-ID": "ana@example.com" },
      body: uploadForm("WEBVTT\n\n00:00.000 --> 00:01.000\nhello there\n", "short.vtt"),
    });
  const statusOf = async (tenant: string) => (await smallUpload(tenant)).status;

  it("an answer its client does not read holds the tenant's slot (429) until the idle limit cuts it; other tenants are served", async () => {
    const socket = await open(service.port);
    socket.on("error", () => undefined);
    socket.write(rawUpload({ "X-Tenant-ID": TENANT_A, "X-User-ID": "ana@example.com" }));
    await new Promise((resolve) => socket.once("data", resolve));
    socket.pause();

    const refused = await smallUpload(TENANT_A);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "tenant_too_busy" });
    expect(await statusOf(TENANT_B)).toBe(200);
    await until(async () => (await statusOf(TENANT_A)) === 200, "the slot to come back once the answer is cut");
    socket.destroy();
  });

  it("a client gone before its answer was written frees its slot", async () => {
    const { importStarted, release } = holdNextImport();
    const socket = await open(service.port);
    socket.on("error", () => undefined);
    socket.write(rawUpload({ "X-Tenant-ID": TENANT_A, "X-User-ID": "ana@example.com" }));
    await importStarted;
    // A reset, not a half-close (after which the answer would still be written): the connection is gone.
    socket.resetAndDestroy();
    await until(async () => (await connections(service)) === 0, "the server to see the client gone");
    release();
    await until(async () => (await statusOf(TENANT_A)) === 200, "the slot to come back");
  });

  it("an answer queued behind another on a pipelined connection is cut too once it is written and not read", async () => {
    const { importStarted, release } = holdNextImport();
    const first = rawUpload({ "X-Tenant-ID": TENANT_A, "X-User-ID": "ana@example.com" }, shortForm("hello there\n"));
    const linesBefore = service.logs.lines.length;
    const socket = await open(service.port);
    socket.on("error", () => undefined);
    socket.pause();
    // The first request is held; the second, with the big answer, is worked out meanwhile and waits its turn.
    socket.write(Buffer.concat([first, rawUpload({ "X-Tenant-ID": TENANT_B, "X-User-ID": "bo@example.com" })]));
    await importStarted;
    const completedFor = (tenant: string) =>
      service.logs.lines
        .slice(linesBefore)
        .find((line) => line.msg === "request completed" && line.tenant_id === tenant);
    await until(() => completedFor(TENANT_B) !== undefined, "the second answer to be ready");
    release();
    const cut = () =>
      service.logs.lines.find(
        (line) => line.msg === CUT && line.interaction_id === completedFor(TENANT_B)?.interaction_id,
      );
    await until(() => cut() !== undefined, "the queued answer to be cut");
    await until(async () => (await connections(service)) === 0, "the server to close the connection");
    socket.destroy();
  });

  it("a pipelined request worked out for longer than the limit after the answer before it is not cut", async () => {
    const { importStarted, release } = holdNextImport("hold me");
    const upload = (tenant: string, content: string) =>
      rawUpload({ "X-Tenant-ID": tenant, "X-User-ID": "ana@example.com" }, shortForm(content));
    const socket = await open(service.port);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    socket.write(Buffer.concat([upload(TENANT_A, "hello there\n"), upload(TENANT_B, "hold me a while\n")]));
    await importStarted;
    await until(() => received.includes("hello there"), "the first answer");
    // The second is still being worked out past the first answer's limit: that limit must not cut it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 1_000));
    release();
    await until(() => received.includes("hold me a while") || socket.destroyed, "the second answer");
    // A short answer has a Content-Length, so the next status line follows its body on the same line.
    expect(received.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    socket.destroy();
  });
});
