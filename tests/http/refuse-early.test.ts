import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { disabledPublisher } from "../../app/events/event-publisher.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { createBatchPipeline } from "../../app/pipeline/batch-pipeline.js";
import { inlineTextWork } from "../../app/text-work/text-work.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { captureLogger } from "../support/capture-logger.js";
import { listenTestApp } from "../support/listening-app.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { BOUNDARY, MULTIPART_TYPE } from "../support/multipart.js";
import { rawRequest } from "../support/raw-http.js";
import { FIXTURES } from "../support/test-app.js";
import { Readable } from "node:stream";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { receiveAnyUpload } from "../../app/http/upload/raw-body-upload.js";
import { ApiError } from "../../app/http/contract/problem.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { memoryOrDiskSink } from "../../app/upload/upload-sink.js";
import { multipartBody } from "../support/multipart.js";
import { defaultOptions, optionPolicyFor } from "../support/option-policies.js";
import { gate } from "../support/gate.js";

const MiB = 1024 * 1024;
const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
const wavHead = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);

/** A multipart upload that declares 64 MiB and sends only its first MiB: only an early answer can come. */
function partialUpload(port: number, path: string, head: Buffer) {
  const preamble = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`,
  );
  const sent = Buffer.concat([preamble, head, Buffer.alloc(MiB - head.length)]);
  return rawRequest({
    port,
    head: `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${64 * MiB}\r\n\r\n`,
    body: sent,
  });
}

describe("refused from the first bytes, before the rest is read", () => {
  it("answers 415 for a file whose first bytes are no accepted type, and 503 for audio with no provider, with the body unsent", async () => {
    const service = await listenTestApp({ maxUploadBytes: 128 * MiB, uploadIdleTimeoutMs: 20_000 });
    try {
      const image = await partialUpload(service.port, "/batch/process", png);
      expect(image.status).toBe(415);
      expect(JSON.parse(image.body)).toMatchObject({ code: "unsupported_media_type", detected_type: "image/png" });
      const audio = await partialUpload(service.port, "/batch/process", wavHead);
      expect(audio.status).toBe(503);
      expect(JSON.parse(audio.body)).toMatchObject({ code: "provider_not_configured", variable: "DEEPGRAM_API_KEY" });
      expect(await service.leftoverUploads()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it("says Connection: close on an answer before the body was read, and keeps a connection whose request was read", async () => {
    const service = await listenTestApp({ maxUploadBytes: 128 * MiB, uploadIdleTimeoutMs: 20_000 });
    try {
      const early = await partialUpload(service.port, "/batch/process", png);
      expect(early.status).toBe(415);
      expect(early.headers.connection).toBe("close");
      const body = multipartBody([
        { name: "file", filename: "meeting.vtt", content: await readFile(new URL("captions/meeting.vtt", FIXTURES)) },
      ]);
      const read = await rawRequest({
        port: service.port,
        head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
      });
      expect(read.status).toBe(200);
      expect(read.headers.connection).toBe("keep-alive");
    } finally {
      await service.close();
    }
  });

  it("screens a job's upload for its type (its workers may have the provider this instance lacks)", async () => {
    const jobs = memoryJobs();
    const service = await listenTestApp({ jobs, maxUploadBytes: 128 * MiB, uploadIdleTimeoutMs: 20_000 });
    try {
      expect((await partialUpload(service.port, "/batch/jobs", png)).status).toBe(415);
      expect(jobs.sent).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it("concludes nothing from an ID3 tag, whose end may be past the first bytes", async () => {
    const transcriber = unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY");
    const options = defaultOptions(transcriber);
    const pipeline = createBatchPipeline({
      transcriber,
      optionPolicy: optionPolicyFor(transcriber),
      cleaner: createRulesCleaner(),
      publisher: disabledPublisher("no_credentials"),
      observer: createMetrics({ defaultMetrics: false }).observer,
      maxCaptionsBytes: MiB,
      textWork: inlineTextWork(),
    });
    const log = captureLogger().logger;
    const id3 = Buffer.concat([
      Buffer.from("ID3\u0004\u0000\u0000\u0000\u0010\u0000\u0000", "latin1"),
      Buffer.alloc(64 * 1024),
    ]);
    await expect(pipeline.screen(id3, { needsProvider: true, log, options })).resolves.toBeUndefined();
    await expect(pipeline.screen(png, { needsProvider: true, log, options })).rejects.toMatchObject({
      code: "unsupported_input",
    });
  });

  it.each([
    ["raw", "audio/wav", (file: Buffer) => file],
    [
      "multipart",
      MULTIPART_TYPE,
      (file: Buffer) => multipartBody([{ name: "file", filename: "a.wav", content: file }]),
    ],
  ])(
    "waits for the screen before accepting a %s upload stored before the screen concluded: its refusal stands",
    async (_form, contentType, bodyOf) => {
      const directory = await mkdtemp(join(tmpdir(), "screen-race-"));
      try {
        const file = Buffer.concat([wavHead, Buffer.alloc(128 * 1024)]);
        const files = memoryOrDiskSink(
          createTempFiles(directory),
          { interactionId: "race", tenantId: "tenant-a" },
          { reserveBytes: 0, tenantShare: 1 },
        );
        const storedAll = gate();
        const received = receiveAnyUpload(
          { contentType, contentLength: undefined, body: Readable.from([bodyOf(file)]) },
          {
            maxBytes: MiB,
            sink: {
              ...files,
              store: async (stream, type) => {
                const result = await files.store(stream, type);
                storedAll.open();
                return result;
              },
            },
            idleTimeoutMs: 10_000,
            // Concludes only once every byte is stored, a turn of the event loop later.
            screen: async () => {
              await storedAll.opened;
              await nextTurn();
              throw new ApiError("unsupported_media_type", "Refused by the screen.");
            },
          },
        );
        await expect(received).rejects.toMatchObject({
          code: "unsupported_media_type",
          message: "Refused by the screen.",
        });
        expect(await readdir(directory)).toEqual([]);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  );
});
