import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { FIXTURES, postUpload, uploadForm } from "../support/test-app.js";
import { gate } from "../support/gate.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const wav = await readFile(new URL("audio/speech.wav", FIXTURES));

describe("Idempotency-Key records in DynamoDB (moto_server)", () => {
  let harness: JobHarness;
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  beforeEach(async () => {
    await resetMoto();
    deepgram = await startFakeDeepgram();
    harness = await startJobHarness({
      durableIdempotency: true,
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 30,
      }),
    });
  });
  afterEach(async () => {
    await harness.stop();
    await deepgram.close();
  });

  const send = (app: JobHarness["app"], key: string) =>
    postUpload(app, uploadForm(wav, "speech.wav"), { "Idempotency-Key": key, "X-Tenant-ID": TENANT });

  it("two concurrent requests with one key: one provider call, one event on the queue, one 200 and one 409", async () => {
    // The provider call is held until the other request has its answer, so the two overlap however busy the machine.
    const providerCall = gate();
    deepgram.script({ until: providerCall.opened });
    const answers = [
      Promise.resolve(send(harness.app, "concurrent")),
      Promise.resolve(send(harness.app, "concurrent")),
    ];
    const refused = await Promise.race(answers);
    expect(refused.status).toBe(409);
    providerCall.open();
    expect((await Promise.all(answers)).map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(deepgram.requests).toHaveLength(1);
    const events = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    expect(events).toHaveLength(1);
  });

  it("replays after a restart, from another instance: the same interaction id, no second call or event", async () => {
    const first = await send(harness.app, "survives-restart");
    expect(first.status).toBe(200);
    const { interaction_id: id } = (await first.json()) as { interaction_id: string };
    const restarted = await harness.anotherApi();
    const again = await send(restarted.app, "survives-restart");
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(((await again.json()) as { interaction_id: string }).interaction_id).toBe(id);
    expect(deepgram.requests).toHaveLength(1);
    expect(await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 })).toHaveLength(1);
    await restarted.dispose();
  });

  it("keeps an answer too big for an item in the bucket and replays it whole", async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a long meeting.`).join("\n");
    const headers = { "Idempotency-Key": "big", "X-Tenant-ID": TENANT };
    const first = await postUpload(harness.app, uploadForm(text, "long.txt"), headers);
    expect(first.status).toBe(200);
    const body = await first.text();
    expect(body.length).toBeGreaterThan(300 * 1024);
    const restarted = await harness.anotherApi();
    const again = await postUpload(restarted.app, uploadForm(text, "long.txt"), headers);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.text()).toBe(body);
    await restarted.dispose();
    expect(
      await harness.objects.exists(`idempotency/${TENANT}/${createHash("sha256").update("big").digest("hex")}.json`),
    ).toBe(true);
  });

  const bigCaptions = () => {
    const two = (n: number) => String(n).padStart(2, "0");
    const time = (s: number) => `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}.000`;
    const cues = Array.from(
      { length: 6_000 },
      (_, i) => `${time(i)} --> ${time(i + 1)}\nCue ${i} of a long meeting, said once by the person who chaired it.`,
    );
    return `WEBVTT\n\n${cues.join("\n\n")}\n`;
  };

  it("keeps a large subtitles answer in the bucket as it was sent, and replays it with its type", async () => {
    const headers = { "Idempotency-Key": "big-vtt", "X-Tenant-ID": TENANT, Accept: "text/vtt" };
    const first = await postUpload(harness.app, uploadForm(bigCaptions(), "long.vtt"), headers);
    expect(first.status).toBe(200);
    const body = await first.text();
    expect(body.length).toBeGreaterThan(256 * 1024);
    expect(body.startsWith("WEBVTT")).toBe(true);
    const restarted = await harness.anotherApi();
    const again = await postUpload(restarted.app, uploadForm(bigCaptions(), "long.vtt"), headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Content-Type")).toBe(first.headers.get("Content-Type"));
    expect(Number(again.headers.get("Content-Length"))).toBe(Buffer.byteLength(body));
    expect(await again.text()).toBe(body);
    await restarted.dispose();
  });

  it("says a recorded answer is no longer kept once the bucket removed it, rather than running the request again", async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a long meeting.`).join("\n");
    const headers = { "Idempotency-Key": "gone", "X-Tenant-ID": TENANT };
    expect((await postUpload(harness.app, uploadForm(text, "long.txt"), headers)).status).toBe(200);
    await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    // What the bucket's lifecycle does to an old answer.
    await harness.objects.delete(`idempotency/${TENANT}/${createHash("sha256").update("gone").digest("hex")}.json`);
    const again = await postUpload(harness.app, uploadForm(text, "long.txt"), headers);
    expect(again.status).toBe(409);
    expect(again.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await again.json()).toMatchObject({ code: "idempotency_answer_withheld", answered_status: 200 });
    expect(await drainQueue(harness.clients.sqs, harness.events.queueUrl)).toEqual([]);
  });
});
