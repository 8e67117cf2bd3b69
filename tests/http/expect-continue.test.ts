import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenTestApp } from "../support/listening-app.js";
import { MULTIPART_TYPE, multipartBody } from "../support/multipart.js";
import { FIXTURES } from "../support/test-app.js";

const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));

interface ContinueAnswer {
  status: number;
  body: string;
  /** Whether a `100 Continue` came, and so whether the body was sent. */
  continued: boolean;
}

/**
 * A client that does what `Expect: 100-continue` promises (curl does it for uploads over 1 MiB): it sends the
 * body only after a `100 Continue`, and none at all once a final answer came first.
 */
function uploadAfterContinue(port: number, path: string, body: Buffer, contentLength = body.length) {
  return new Promise<ContinueAnswer>((resolve, reject) => {
    let continued = false;
    const sent = request({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      headers: { "Content-Type": MULTIPART_TYPE, "Content-Length": contentLength, Expect: "100-continue" },
    });
    sent.on("continue", () => {
      continued = true;
      sent.end(body);
    });
    sent.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body: text, continued });
        sent.destroy();
      });
    });
    sent.on("error", reject);
  });
}

describe("Expect: 100-continue", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  const upload = multipartBody([{ name: "file", filename: "m.vtt", content: vtt }]);

  beforeAll(async () => {
    service = await listenTestApp();
  });
  afterAll(() => service.close());

  it("asks for the body once the request may go on, and answers the upload", async () => {
    const answer = await uploadAfterContinue(service.port, "/batch/process", upload);
    expect(answer).toMatchObject({ status: 200, continued: true });
    expect(answer.body).toContain('"cleaned_transcript"');
  });

  it.each([
    ["a query it refuses", "/batch/process?format=xyz", upload.length, 400, "invalid_query"],
    ["a declared length over the limit", "/batch/process", 1e12, 413, "payload_too_large"],
    ["a route that takes no body", "/batch/jobs/not-a-job", upload.length, 405, "method_not_allowed"],
  ])("refuses %s from the headers alone: no 100, so no body is sent", async (_what, path, length, status, code) => {
    const answer = await uploadAfterContinue(service.port, path, upload, length);
    expect(answer).toMatchObject({ status, continued: false });
    expect(JSON.parse(answer.body)).toMatchObject({ status, code });
  });
});
