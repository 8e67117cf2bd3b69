import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenTestApp } from "../support/listening-app.js";
import { MULTIPART_TYPE, multipartBody } from "../support/multipart.js";
import { rawRequest, type RawAnswer } from "../support/raw-http.js";
import { FIXTURES } from "../support/test-app.js";

const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));

/** A refusal made before the app saw the request: problem+json, no interaction id, the connection closed. */
function serverRefusal(answer: RawAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(answer.headers.connection).toBe("close");
  expect(answer.ending).toBe("closed");
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, interaction_id: null, type: `/problems/${code.replaceAll("_", "-")}` });
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}

describe("what the server refuses before the app sees a request is problem+json too", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  const send = (head: string, body?: Buffer) => rawRequest({ port: service.port, head, ...(body && { body }) });

  beforeAll(async () => {
    service = await listenTestApp();
  });
  afterAll(() => service.close());

  it("an HTTP/1.1 request without Host is a 400 that says so (Node's own is empty)", async () => {
    const problem = serverRefusal(
      await send("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"),
      400,
      "malformed_request",
    );
    expect(problem.detail).toMatch(/Host/);
  });

  it.each([
    "localhost:3000",
    "127.0.0.1",
    "[::1]:8080",
    "transcripts.example.com",
    "transcripts.example.com:",
    "[::1]:",
  ])("Host %j is served", async (host) => {
    const answer = await send(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "ok" });
  });

  it("an HTTP/1.0 request may leave Host out: it is served", async () => {
    const answer = await send("GET /healthz HTTP/1.0\r\n\r\n");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "ok" });
  });

  // "¤?!!!!!" once passed the adapter's own check (its punycode is as long as it is) and moved the route to "/".
  it.each(["a b", "[::1", "x:99999", "x/y", "x@y", "x\\y", "\u00ff\u00fe", "x?y", "x#y", "\u00a4?!!!!!"])(
    "Host %j is a 400 problem, not an empty answer",
    async (host) => {
      const problem = serverRefusal(
        await send(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
        400,
        "malformed_request",
      );
      expect(problem.detail).not.toContain(host);
    },
  );

  it.each([
    ["a backslash in the path", "GET /batch\\process HTTP/1.1"],
    ["the asterisk form", "OPTIONS * HTTP/1.1"],
    ["a relative target", "GET healthz HTTP/1.1"],
  ])("%s is a 400 problem", async (_name, line) => {
    serverRefusal(await send(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`), 400, "malformed_request");
  });

  it("CONNECT is answered (the service is not a proxy) rather than the connection dropped", async () => {
    const problem = serverRefusal(
      await send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
      400,
      "malformed_request",
    );
    expect(problem.detail).toMatch(/proxy/);
  });

  it("an Expect other than 100-continue is a 417 problem, read before the body it came with", async () => {
    const body = multipartBody([{ name: "file", filename: "m.vtt", content: vtt }]);
    const answer = await rawRequest({
      port: service.port,
      head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nExpect: the-moon\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    });
    serverRefusal(answer, 417, "expectation_failed");
  });

  it("an empty Expect asks for nothing: the request is served", async () => {
    const answer = await send("GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: \r\nConnection: close\r\n\r\n");
    expect(answer.status).toBe(200);
  });

  it("Expect: 100-continue still gets its interim answer and then the transcript", async () => {
    const body = multipartBody([{ name: "file", filename: "m.vtt", content: vtt }]);
    const answer = await rawRequest({
      port: service.port,
      head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      body,
    });
    expect(answer.interim).toEqual([100]);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('"cleaned_transcript"');
  });

  it("a refused request's body is read and dropped, so a client sending 1 MiB reads its answer, not a reset", async () => {
    const answer = await rawRequest({
      port: service.port,
      head: `POST /batch/process HTTP/1.1\r\nHost: a b\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
      body: (index) => (index < 16 ? Buffer.alloc(64 * 1024, 0x61) : undefined),
      keepWriting: true,
    });
    serverRefusal(answer, 400, "malformed_request");
  });

  it("any Host header gets an answer a client can read: the route's, or a problem", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0xff }).map((code) => String.fromCharCode(code)),
          maxLength: 40,
        }),
        async (host) => {
          const answer = await send(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
          expect(answer.ending).toBe("closed");
          if (answer.status === 200) expect(JSON.parse(answer.body)).toMatchObject({ status: "ok" });
          else serverRefusal(answer, 400, "malformed_request");
        },
      ),
      { numRuns: 150 },
    );
  });
});
