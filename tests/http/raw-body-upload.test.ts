import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { listenTestApp } from "../support/listening-app.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { rawRequest } from "../support/raw-http.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm } from "../support/test-app.js";

const ogg = await readFile(new URL("audio/speech.ogg", FIXTURES));
const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));

const heard: Array<{ bytes: number; mime: string }> = [];
const transcriber: Transcriber = {
  provider: "deepgram",
  model: "nova-3",
  configured: true,
  transcribe(audio) {
    heard.push({ bytes: audio.bytes, mime: audio.mime });
    return Promise.resolve({
      transcript: "we ship on friday",
      provider: "deepgram",
      model: "nova-3",
      durationS: 1,
      requestId: "r",
    });
  },
};

describe("the file as the whole request body (curl --data-binary)", () => {
  it("transcribes raw audio like the multipart form: the same bytes reach the provider", async () => {
    const { app } = await buildTestApp({ transcriber });
    const response = await app.request("/batch/process", {
      method: "POST",
      body: ogg,
      headers: { "Content-Type": "audio/ogg" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ source: "audio", raw_transcript: "we ship on friday" });
    expect(heard.at(-1)?.bytes).toBe(ogg.length);
  });

  it("over the wire, as `curl --data-binary @speech.ogg -H 'Content-Type: audio/ogg'`: two Deepgram speakers, like the form", async () => {
    const deepgram = await startFakeDeepgram();
    const service = await listenTestApp({
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 5,
      }),
    });
    try {
      const speakers = [
        { speaker: 0, text: "Shall we ship on Friday?" },
        { speaker: 1, text: "Yes, Friday works." },
      ];
      deepgram.script({ speakers }, { speakers });
      const raw = await fetch(`${service.url}/batch/process`, {
        method: "POST",
        body: ogg,
        headers: { "Content-Type": "audio/ogg" },
      });
      const form = new FormData();
      form.append("file", new Blob([ogg], { type: "audio/ogg" }), "speech.ogg");
      const multipart = await fetch(`${service.url}/batch/process`, { method: "POST", body: form });
      const [rawBody, formBody] = (await Promise.all([raw.json(), multipart.json()])) as Array<Record<string, unknown>>;
      expect(raw.status).toBe(200);
      expect(rawBody).toMatchObject({
        raw_transcript: "Speaker 0: Shall we ship on Friday?\nSpeaker 1: Yes, Friday works.",
        utterances: [
          { speaker: "Speaker 0", start: 0, end: 1.9, text: "Shall we ship on Friday?" },
          { speaker: "Speaker 1", start: 2, end: 3.9, text: "Yes, Friday works." },
        ],
      });
      const same = (body: Record<string, unknown>) => [
        body.raw_transcript,
        body.cleaned_transcript,
        body.utterances,
        body.source,
      ];
      expect(same(rawBody!)).toEqual(same(formBody!));
      expect(deepgram.requests.map((request) => request.bytes)).toEqual([ogg.length, ogg.length]);
    } finally {
      await service.close();
      await deepgram.close();
    }
  });

  it.each(["text/vtt", "text/plain; charset=utf-8", "application/octet-stream"])(
    "imports raw captions sent as %s exactly as the form does",
    async (type) => {
      const { app } = await buildTestApp();
      const raw = (await (
        await app.request("/batch/process", { method: "POST", body: vtt, headers: { "Content-Type": type } })
      ).json()) as Record<string, unknown>;
      const form = (await (await postUpload(app, uploadForm(vtt, "meeting.vtt"))).json()) as Record<string, unknown>;
      expect(raw.cleaned_transcript).toBe(form.cleaned_transcript);
      expect(raw.source).toBe("captions");
    },
  );

  it("holds raw bodies to MAX_UPLOAD_BYTES: a declared size over it at once, a chunked one as it grows", async () => {
    const service = await listenTestApp({ maxUploadBytes: 64 * 1024 });
    try {
      const declared = await rawRequest({
        port: service.port,
        head: "POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: audio/ogg\r\nContent-Length: 10000000\r\n\r\n",
      });
      expect(declared.status).toBe(413);
      const body = Buffer.alloc(200 * 1024, 0x61);
      const chunked = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);
      const grown = await rawRequest({
        port: service.port,
        head: "POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        body: chunked,
      });
      expect(grown.status).toBe(413);
      expect(await service.leftoverUploads()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it("queues a raw body as a job too", async () => {
    const jobs = memoryJobs();
    const { app } = await buildTestApp({ jobs });
    const response = await app.request("/batch/jobs", {
      method: "POST",
      body: vtt,
      headers: { "Content-Type": "text/vtt" },
    });
    expect(response.status).toBe(202);
    expect(jobs.sent).toHaveLength(1);
  });
});
