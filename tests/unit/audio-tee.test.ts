import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { attemptBodies, LiveAudioCutOff } from "../../app/transcription/attempt-bodies.js";
import type { ArrivingAudio, Transcription } from "../../app/transcription/transcriber.js";
import { createAudioTee, teeingSink, UploadAbandoned } from "../../app/upload/audio-tee.js";
import type { UploadSink } from "../../app/upload/upload-sink.js";

const transcription: Transcription = {
  transcript: "hi",
  provider: "deepgram",
  model: "nova-3",
  durationS: null,
  requestId: null,
};

/** Takes the tee's live audio and hands it to the test, never reading it unless the test does. */
function take(tee: ReturnType<typeof createAudioTee>, mime = "audio/wav") {
  let taken: ArrivingAudio | undefined;
  tee.take(mime, (audio) => {
    taken = audio;
    return Promise.resolve(transcription);
  });
  return taken;
}

describe("the audio tee", () => {
  it("gives a transcription taken after the first bytes every byte, from the first", async () => {
    const tee = createAudioTee();
    tee.write(Buffer.from("head "));
    const audio = take(tee)!;
    tee.write(Buffer.from("and tail"));
    tee.end();
    expect(await text(audio.live)).toBe("head and tail");
    await expect(audio.arrived).resolves.toBeUndefined();
    expect(tee.started?.mime).toBe("audio/wav");
  });

  it("cuts off a live branch that falls further behind than its buffer, and says so", () => {
    const tee = createAudioTee(1024);
    const audio = take(tee)!;
    for (let i = 0; i < 8; i += 1) tee.write(Buffer.alloc(512));
    expect(audio.cutOff).toBe(true);
    expect(audio.live.destroyed).toBe(true);
    // Later bytes are dropped, not buffered.
    const held = audio.live.readableLength;
    tee.write(Buffer.alloc(512));
    expect(audio.live.readableLength).toBe(held);
  });

  it("drops the bytes when released before anything took them, and starts nothing after", () => {
    const tee = createAudioTee();
    tee.write(Buffer.alloc(1024));
    tee.release();
    expect(take(tee)).toBeUndefined();
    expect(tee.started).toBeUndefined();
  });

  it("keeps a started transcription's branch when released", () => {
    const tee = createAudioTee();
    const audio = take(tee)!;
    tee.release();
    expect(audio.live.destroyed).toBe(false);
  });

  it("hands a retry the stored file, and fails it with the reason when the upload is abandoned", async () => {
    const stored = createAudioTee();
    const audio = take(stored, "audio/ogg")!;
    stored.stored({ path: () => Promise.resolve("/uploads/x"), bytes: 42 });
    await expect(audio.file()).resolves.toEqual({ path: "/uploads/x", bytes: 42, mime: "audio/ogg" });

    const abandoned = createAudioTee();
    const lost = take(abandoned)!;
    abandoned.abandon();
    await expect(lost.file()).rejects.toBeInstanceOf(UploadAbandoned);
    await expect(lost.arrived).rejects.toBeInstanceOf(UploadAbandoned);
    expect(abandoned.signal.aborted).toBe(true);
    expect(lost.live.destroyed).toBe(true);
  });

  it("when the request is over, abandons a transcription still running on it, and only then", async () => {
    const running = createAudioTee();
    running.take("audio/wav", () => new Promise<Transcription>(() => undefined));
    running.close();
    expect(running.signal.aborted).toBe(true);

    const finished = createAudioTee();
    const audio = take(finished)!;
    await finished.started?.transcription;
    finished.close();
    expect(finished.signal.aborted).toBe(false);
    expect(audio.live.destroyed).toBe(true);
  });

  it("as a sink, feeds every byte to the tee, and abandons it when the upload is discarded", async () => {
    const tee = createAudioTee();
    const audio = take(tee)!;
    const kept: Buffer[] = [];
    let discarded = false;
    const inner: UploadSink<number> = {
      async store(file) {
        for await (const chunk of file) kept.push(chunk as Buffer);
        return kept.length;
      },
      discard: () => {
        discarded = true;
        return Promise.resolve();
      },
    };
    const sink = teeingSink(inner, tee);
    const file = new PassThrough();
    const storing = sink.store(file, "audio/wav");
    const live = text(audio.live);
    file.end("all of it");
    await storing;
    expect(Buffer.concat(kept).toString()).toBe("all of it");
    expect(await live).toBe("all of it");
    await sink.discard();
    expect(discarded).toBe(true);
    expect(tee.signal.aborted).toBe(true);
  });
});

describe("attempt bodies", () => {
  it("send the live bytes once, then the stored file whole, with its length", async () => {
    const tee = createAudioTee();
    const audio = take(tee)!;
    const path = join(await mkdtemp(join(tmpdir(), "attempt-bodies-")), "upload");
    await writeFile(path, "stored bytes");
    tee.stored({ path: () => Promise.resolve(path), bytes: 12 });
    const next = attemptBodies(audio);
    const first = await next();
    expect(first.data).toBe(audio.live);
    expect(first.bytes).toBeUndefined();
    expect(first.sent).toBe(audio.arrived);
    const second = await next();
    expect(second).toMatchObject({ bytes: 12, mime: "audio/wav" });
    expect(second.sent).toBeUndefined();
    expect(await text(second.data)).toBe("stored bytes");
  });

  it("call a live attempt's failure a cut-off when the tee cut it off, and leave other failures as they are", async () => {
    const tee = createAudioTee(10);
    const audio = take(tee)!;
    const body = await attemptBodies(audio)();
    const failure = new Error("socket hang up");
    expect(body.explain(failure)).toBe(failure);
    tee.write(Buffer.alloc(64));
    tee.write(Buffer.alloc(64));
    const explained = body.explain(failure);
    expect(explained).toBeInstanceOf(LiveAudioCutOff);
    expect((explained as Error).cause).toBe(failure);
  });
});
