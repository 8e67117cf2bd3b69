import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { FIXTURES, uploadForm } from "../support/test-app.js";

describe("MAX_PROVIDER_ANSWER_BYTES, through the service as composed from its environment", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let server: ServerProcess;

  beforeAll(async () => {
    deepgram = await startFakeDeepgram();
    server = await startServerProcess({
      DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      MAX_PROVIDER_ANSWER_BYTES: "4096",
      AWS_EC2_METADATA_DISABLED: "true",
      HOME: "/nonexistent",
    });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    await deepgram.close();
  });

  const upload = async () =>
    fetch(`${server.url}/batch/process`, {
      method: "POST",
      body: uploadForm(await readFile(new URL("audio/speech.wav", FIXTURES)), "meeting.wav"),
    });

  it("answers a recording whose transcript is longer with a 413 problem naming the limit, once, and serves the next", async () => {
    deepgram.script({ transcript: "we ship on friday ".repeat(400) });
    const refused = await upload();
    expect(refused.status).toBe(413);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({
      code: "payload_too_large",
      max_bytes: 4096,
      detail: expect.stringMatching(/Transcripts of one recording .* are limited to 4096 bytes/) as unknown,
    });
    // Not retried: the provider was asked once, and paid once.
    expect(deepgram.requests).toHaveLength(1);

    const served = await upload();
    expect(served.status).toBe(200);
    expect(await served.json()).toMatchObject({ raw_transcript: expect.stringContaining("ship") as unknown });
    expect(deepgram.requests).toHaveLength(2);
    expect(server.logs.map((line) => JSON.stringify(line)).join("\n")).not.toContain("we ship on friday");
    // The operator's metrics tell the recording's length from a provider that failed.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^batch_transcription_duration_seconds_count\{provider="deepgram",outcome="too_large"\} 1$/m,
    );
    expect(metrics).toMatch(/^batch_transcription_duration_seconds_count\{provider="deepgram",outcome="ok"\} 1$/m);
    expect(metrics).not.toContain('outcome="failed"');
  });
});
