import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, FIXTURES } from "../support/test-app.js";
import { MULTIPART_TYPE, multipartBody } from "../support/multipart.js";

const MAX_UPLOAD = 64 * 1024;
const MAX_CAPTIONS = 16 * 1024;

interface BadInput {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | ReadableStream<Uint8Array>;
  /** Declares this Content-Length and sends no body at all: the answer must come from the headers. */
  declaredLength?: number;
  status: number;
  code: string;
}

const file = (content: string | Uint8Array, filename = "upload.bin") => ({ name: "file", filename, content });
const pdf = Buffer.from("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n");
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
const zip = Buffer.from("504b0304140000000800", "hex");

/** Sends a request's headers and never its body, returning the answer as a fetch Response. */
function headersOnly(url: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => {
        request.destroy();
        const responseHeaders = new Headers(incoming.headers as Record<string, string>);
        resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode ?? 0, headers: responseHeaders }));
      });
    });
    request.on("error", reject);
    request.flushHeaders();
  });
}

function chunkedStream(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  const head = multipartBody([file("")], { close: false }).subarray(0, -2);
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new Uint8Array(head));
      if (sent >= bytes) return controller.close();
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
      sent += 16 * 1024;
    },
  });
}

const CASES: BadInput[] = [
  { name: "no body and no content type", status: 415, code: "unsupported_media_type" },
  {
    name: "a JSON body",
    headers: { "Content-Type": "application/json" },
    body: Buffer.from("{}"),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a raw body of a type taken neither way",
    headers: { "Content-Type": "image/png" },
    body: png,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a raw audio body that is not audio",
    headers: { "Content-Type": "audio/wav" },
    body: pdf,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "an empty raw body",
    headers: { "Content-Type": "audio/wav" },
    body: Buffer.alloc(0),
    status: 400,
    code: "empty_file",
  },
  {
    name: "multipart without a boundary",
    headers: { "Content-Type": "multipart/form-data" },
    body: Buffer.from("x"),
    status: 400,
    code: "malformed_multipart",
  },
  {
    name: "multipart whose body does not match its boundary",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: Buffer.from("garbage\r\n"),
    status: 400,
    code: "malformed_multipart",
  },
  {
    name: "an empty multipart body",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: Buffer.alloc(0),
    status: 400,
    code: "malformed_multipart",
  },
  {
    name: "a multipart body cut before its end",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file("hello")], { close: false }),
    status: 400,
    code: "malformed_multipart",
  },
  {
    name: "the file in a field not named file",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([{ name: "audio", filename: "a.wav", content: "hello" }]),
    status: 400,
    code: "missing_file",
  },
  {
    name: "only text fields",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([{ name: "file", content: "not a file part" }]),
    status: 400,
    code: "missing_file",
  },
  {
    name: "an empty file",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file("")]),
    status: 400,
    code: "empty_file",
  },
  {
    name: "two files",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file("one"), file("two")]),
    status: 400,
    code: "malformed_multipart",
  },
  {
    name: "a file over MAX_UPLOAD_BYTES",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(Buffer.alloc(MAX_UPLOAD + 1, 0x61))]),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a chunked upload that grows past the limit",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: chunkedStream(MAX_UPLOAD * 4),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a Content-Length over the limit, refused before the body",
    headers: { "Content-Type": MULTIPART_TYPE },
    declaredLength: MAX_UPLOAD * 100,
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "captions over MAX_CAPTIONS_BYTES",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file("word ".repeat(MAX_CAPTIONS / 4))]),
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "a PNG image",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(png, "a.wav")]),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a PDF document",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(pdf, "a.mp3")]),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a ZIP archive",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(zip)]),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "binary data that is not text",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(Buffer.from([0x80, 0x81, 0xc3, 0x28, 0x01]))]),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "text that stops being UTF-8 after the sniffed start",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file(Buffer.concat([Buffer.from("a".repeat(5000)), Buffer.from([0xff, 0xfe])]))]),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "an X-User-ID over 256 characters",
    headers: { "Content-Type": MULTIPART_TYPE, "X-User-ID": "u".repeat(257) },
    body: multipartBody([file("hi")]),
    status: 400,
    code: "invalid_header",
  },
  {
    name: "an X-Account-ID over 256 characters",
    headers: { "Content-Type": MULTIPART_TYPE, "X-Account-ID": "a".repeat(300) },
    body: multipartBody([file("hi")]),
    status: 400,
    code: "invalid_header",
  },
  { name: "GET on the upload route", method: "GET", status: 405, code: "method_not_allowed" },
  {
    name: "PUT on the upload route",
    method: "PUT",
    headers: { "Content-Type": MULTIPART_TYPE },
    body: multipartBody([file("hi")]),
    status: 405,
    code: "method_not_allowed",
  },
  { name: "an unknown path", path: "/batch/nope", status: 404, code: "not_found" },
];

describe("bad input gets a clear problem+json answer and leaves the server healthy", () => {
  let server: ServerType;
  let base: string;
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  const published: Array<{ status: string; code?: string }> = [];

  beforeAll(async () => {
    built = await buildTestApp({
      maxUploadBytes: MAX_UPLOAD,
      maxCaptionsBytes: MAX_CAPTIONS,
      publisher: {
        state: "enabled" as const,
        publish: (detail) => {
          published.push(
            detail.status === "failed" ? { status: detail.status, code: detail.error.code } : { status: detail.status },
          );
          return Promise.resolve({ status: "published", eventId: `evt-${detail.status}`, attempts: 1 });
        },
      },
    });
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: built.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await built.dispose();
  });

  it.each(CASES)(
    "$name → $status $code",
    async ({ method = "POST", path = "/batch/process", headers, body, declaredLength, status, code }) => {
      const response =
        declaredLength === undefined
          ? await fetch(base + path, {
              method,
              headers,
              body: body instanceof Buffer ? new Uint8Array(body) : body,
              ...(body instanceof ReadableStream && { duplex: "half" }),
            })
          : await headersOnly(base + path, { ...headers, "Content-Length": String(declaredLength) });
      expect(response.status).toBe(status);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      const problem = (await response.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({
        status,
        code,
        title: expect.any(String) as unknown,
        detail: expect.any(String) as unknown,
      });
      expect(problem.type).toBe(`/problems/${code.replaceAll("_", "-")}`);
      expect(problem.interaction_id).toBe(response.headers.get("X-Interaction-ID"));
    },
  );

  it("published no BatchProcessingCompleted for a rejected request, and BatchProcessingFailed only past the upload", () => {
    // Refused by what the accepted file turned out to be: captions over their limit, and five kinds of bytes.
    expect(published).toEqual([
      { status: "failed", code: "unsupported_input" },
      { status: "failed", code: "too_large" },
      ...Array.from({ length: 4 }, () => ({ status: "failed", code: "unsupported_input" })),
      { status: "failed", code: "unsupported_encoding" },
    ]);
  });

  it("still serves a good request afterwards and has left no upload behind", async () => {
    const form = new FormData();
    form.append("file", new Blob([await readFile(new URL("captions/meeting.vtt", FIXTURES))]), "meeting.vtt");
    const response = await fetch(`${base}/batch/process`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ event: { status: "published", event_id: "evt-completed" } });
    expect(published.filter((event) => event.status === "completed")).toHaveLength(1);
    expect(await built.leftoverUploads()).toEqual([]);
  });

  it("logged every rejection with its status and interaction id", () => {
    const rejected = built.logs.lines.filter((line) => line.msg === "request completed" && Number(line.status) >= 400);
    expect(rejected.map((line) => line.status)).toEqual(CASES.map((c) => c.status));
    for (const line of rejected) expect(line.interaction_id).toEqual(expect.any(String));
  });
});
