import { PassThrough } from "node:stream";
import { LiveAudioCutOff } from "../transcription/attempt-bodies.js";
import type { ArrivingAudio, AudioFile, Transcription } from "../transcription/transcriber.js";
import type { UploadSink } from "./upload-sink.js";

/**
 * How far the live branch may fall behind the upload before it is cut off: a slow provider never slows the
 * upload, and never costs more memory than this.
 */
export const LIVE_BUFFER_BYTES = 8 * 1024 * 1024;

/** The upload failed: the live branch ends with it, and the transcription started on it is abandoned. */
export class UploadAbandoned extends Error {
  override readonly name = "UploadAbandoned";
}

const noop = () => undefined;

function settleable<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  // Nobody may be waiting (the upload failed before a transcription started): a rejection is not unhandled.
  promise.catch(noop);
  return { promise, resolve, reject };
}

/**
 * A second branch of an upload's file bytes, for a provider to read while the upload goes on. It holds the
 * bytes from the first one until `take` starts a transcription on them, or `release` says none will.
 */
export function createAudioTee(bufferBytes = LIVE_BUFFER_BYTES) {
  const live = new PassThrough();
  live.on("error", noop);
  const arrived = settleable<void>();
  const stored = settleable<{ path: () => Promise<string>; bytes: number }>();
  const abandoned = new AbortController();
  let cutOff = false;
  let started: { mime: string; transcription: Promise<Transcription> } | undefined;

  // With an error when a request reads the branch, so it fails rather than send what it had as the whole file.
  const stop = (reason?: Error) => {
    if (!live.destroyed) live.destroy(reason);
  };
  let settled = false;

  return {
    /** Aborted when the upload fails or the request is over: the transcription started on the tee stops. */
    signal: abandoned.signal,
    /** The transcription started on the live bytes, and the type it was started for. */
    get started() {
      return started;
    },
    /** Feeds the live branch a chunk of the file, as it arrives. */
    write(chunk: Buffer): void {
      if (live.destroyed || live.writableEnded) return;
      if (live.writableLength + live.readableLength > bufferBytes) {
        cutOff = true;
        stop(new LiveAudioCutOff("The provider fell behind the upload."));
        return;
      }
      live.write(chunk);
    },
    /** The last byte has arrived. */
    end(): void {
      if (!live.destroyed) live.end();
      arrived.resolve();
    },
    /** The upload is stored: a retry reads it from here. */
    stored(file: { path: () => Promise<string>; bytes: number }): void {
      stored.resolve(file);
    },
    /** Starts `transcribe` on the live bytes (once), as audio of type `mime`. */
    take(mime: string, transcribe: (audio: ArrivingAudio) => Promise<Transcription>): void {
      if (started !== undefined || live.destroyed) return;
      const audio: ArrivingAudio = {
        mime,
        live,
        arrived: arrived.promise,
        file: async (): Promise<AudioFile> => {
          const file = await stored.promise;
          return { path: await file.path(), bytes: file.bytes, mime };
        },
        get cutOff() {
          return cutOff;
        },
      };
      const transcription = transcribe(audio);
      transcription.then(
        () => (settled = true),
        () => (settled = true),
      );
      started = { mime, transcription };
    },
    /** No transcription will read the live bytes: they are dropped as they come. */
    release(): void {
      if (started === undefined) stop();
    },
    /** The upload failed, or its transcription is not wanted: the live branch and whatever reads it stop. */
    abandon(reason: Error = new UploadAbandoned("The upload was abandoned.")): void {
      stop(reason);
      arrived.reject(reason);
      stored.reject(reason);
      if (!abandoned.signal.aborted) abandoned.abort(reason);
    },
    /** The request is over: a transcription still running on the tee is abandoned; else the branch is dropped. */
    close(): void {
      if (started !== undefined && !settled) this.abandon(new UploadAbandoned("The request is over."));
      else stop();
    },
  };
}

export type AudioTee = ReturnType<typeof createAudioTee>;

/** A sink that also feeds every byte of the file to a tee, and abandons it when the upload fails. */
export function teeingSink<T>(inner: UploadSink<T>, tee: AudioTee): UploadSink<T> {
  return {
    ...(inner.space !== undefined && { space: inner.space }),
    store(file, declaredType) {
      file.on("data", (chunk: Buffer) => tee.write(chunk));
      file.once("end", () => tee.end());
      return inner.store(file, declaredType);
    },
    discard() {
      tee.abandon();
      return inner.discard();
    },
  };
}
