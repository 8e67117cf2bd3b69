import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { Logger } from "../logger.js";
import type { CaptionsFormat, TextEncoding } from "../upload/input-detection.js";
import type {
  CaptionsImport,
  PackedCaptionsImport,
  PackedSubtitlesTask,
  SubtitlesRender,
  SubtitlesTask,
} from "./text-worker.js";
import { yieldToLoop } from "../text/loop-pause.js";
import { packUtterances, unpackUtterances } from "./packed-utterances.js";
import type { FileSource } from "./file-source.js";
import type { SubtitlesOfJson } from "./subtitles-of-json.js";
import type { SubtitleLayout } from "../subtitles/subtitle-cues.js";
import type { SubtitleFormat } from "../subtitles/subtitle-files.js";
import type { RulesTask } from "../cleaning/cleaner-entry.js";
import * as inline from "./text-worker.js";
import {
  answerBytes,
  readAnswerHere,
  SHORT_ANSWER_BYTES,
  type AnswerReader,
} from "../transcription/provider-answer.js";
import { ownsItsBuffer } from "../transcription/sent-chunks.js";
import { unpackTranscription, type PackedTranscription } from "./packed-transcription.js";

/**
 * The CPU-heavy text steps (decode and parse a captions file, clean a transcript with the rules, write
 * subtitles). They run
 * in linear time, but a 16 MiB file still takes seconds of CPU: on a worker thread the event loop keeps
 * answering other requests meanwhile.
 */
export interface TextWork {
  /**
   * Each step takes its request's `signal`: once it aborts (the client went away, the deadline passed), the
   * work is dropped from the queue or stopped where it is, and the step rejects.
   */
  importCaptions(
    task: { source: FileSource; format: CaptionsFormat; encoding: TextEncoding },
    signal?: AbortSignal,
  ): Promise<CaptionsImport>;
  cleanWithRules(task: RulesTask, signal?: AbortSignal): Promise<string>;
  renderSubtitles(task: SubtitlesTask, signal?: AbortSignal): Promise<SubtitlesRender>;
  /** Subtitles of a transcript answer sent back as JSON (a file, or its bytes). */
  subtitlesOfJson(
    task: {
      source: FileSource;
      format: SubtitleFormat;
      layout: SubtitleLayout;
    },
    signal?: AbortSignal,
  ): Promise<SubtitlesOfJson>;
  /** A provider's success answer read into a transcription: its JSON parsed and checked off the event loop. */
  readAnswer: AnswerReader;
}

/** A worker's reading of an answer with its words and utterances built on this side, a slice at a time. */
async function unpackedReading(packed: PackedTranscription | undefined) {
  return packed && unpackTranscription(packed, yieldToLoop);
}

/** Piscina types this from `MessagePort.postMessage`'s last overload (an options object); it takes an array. */
type TransferList = NonNullable<Parameters<Piscina["run"]>[1]>["transferList"];

/** The chunks' array buffers, moved to the worker rather than copied where a chunk fills its buffer alone. */
function movable(chunks: readonly Uint8Array[]): TransferList {
  return [...new Set(chunks.filter(ownsItsBuffer).map((chunk) => chunk.buffer))] as unknown as TransferList;
}

/** A worker's captions import with its utterances built on this side, a slice at a time. */
async function unpackedImport(packed: PackedCaptionsImport): Promise<CaptionsImport> {
  if (!packed.ok) return packed;
  const { utterances } = packed.captions;
  return {
    ok: true,
    captions: { ...packed.captions, utterances: utterances && (await unpackUtterances(utterances, yieldToLoop)) },
  };
}

/** A subtitles task with its utterances packed on this side, a slice at a time, to be posted to a worker. */
async function packedTask(task: SubtitlesTask): Promise<PackedSubtitlesTask> {
  const { utterances } = task.transcript;
  return {
    ...task,
    transcript: { ...task.transcript, utterances: utterances && (await packUtterances(utterances, yieldToLoop)) },
  };
}

/** On the calling thread: for tests and tools that build the app without a pool. */
export function inlineTextWork(): TextWork {
  return {
    importCaptions: async (task, signal) => {
      signal?.throwIfAborted();
      return unpackedImport(await inline.importCaptions(task));
    },
    cleanWithRules: (task, signal) =>
      new Promise((resolve) => {
        signal?.throwIfAborted();
        resolve(inline.cleanTranscript(task));
      }),
    renderSubtitles: async (task, signal) => {
      signal?.throwIfAborted();
      return inline.renderSubtitles(await packedTask(task));
    },
    subtitlesOfJson: async (task, signal) => {
      signal?.throwIfAborted();
      return inline.subtitlesOfJson(task);
    },
    readAnswer: async (answer, asked, signal) => {
      signal?.throwIfAborted();
      return unpackedReading(await inline.readAnswer({ answer, asked }));
    },
  };
}

/** Where the worker module is: compiled JavaScript in the image, TypeScript under tsx and the tests. */
function workerModule(): { filename: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith(".ts");
  return {
    filename: new URL(fromSource ? "./text-worker.ts" : "./text-worker.js", import.meta.url).href,
    // TypeScript sources need the same loader in the worker as the code that started it.
    execArgv: fromSource ? [...process.execArgv, "--import", "tsx"] : process.execArgv,
  };
}

/** Heap limit of one worker: a file that needs more fails that request only. */
const WORKER_MAX_HEAP_MB = 1024;

/**
 * A pool of all cores but one (at least one), started with one thread so the first file does not wait for it.
 * A worker that fails with no task of its own (at startup) is logged; a failed task fails its request only.
 */
export function createTextWorkerPool(logger: Logger, { filename, execArgv } = workerModule()): TextWork {
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: 1,
    maxThreads: Math.max(1, availableParallelism() - 1),
    // Tasks reach an idle worker as messages on its event loop, not by waking it from `Atomics.wait`: with
    // the main thread and the worker sharing few cores, the wake-up on every task cost the main thread more
    // (captions, two tasks a request: 1.14–1.29x the throughput in alternating A/B pairs).
    atomics: "disabled",
    // A small young generation makes the worker collect a 16 MiB file's garbage as it goes, not all at the end.
    resourceLimits: { maxOldGenerationSizeMb: WORKER_MAX_HEAP_MB, maxYoungGenerationSizeMb: 8 },
  });
  // Unheard, the pool's `error` event would take the whole process down.
  pool.on("error", (error: unknown) => logger.error({ err: error }, "a text worker failed outside any task"));
  return {
    // Piscina drops an aborted task from its queue, or ends the thread running it (and starts another).
    importCaptions: async (task, signal) =>
      unpackedImport((await pool.run(task, { name: "importCaptions", signal })) as PackedCaptionsImport),
    cleanWithRules: (task, signal) => pool.run(task, { name: "cleanTranscript", signal }) as Promise<string>,
    renderSubtitles: async (task, signal) =>
      (await pool.run(await packedTask(task), { name: "renderSubtitles", signal })) as SubtitlesRender,
    subtitlesOfJson: (task, signal) => pool.run(task, { name: "subtitlesOfJson", signal }) as Promise<SubtitlesOfJson>,
    readAnswer: async (answer, asked, signal) => {
      if (answerBytes(answer) <= SHORT_ANSWER_BYTES) return readAnswerHere(answer, asked);
      return unpackedReading(
        (await pool.run({ answer, asked }, { name: "readAnswer", signal, transferList: movable(answer.chunks) })) as
          PackedTranscription | undefined,
      );
    },
  };
}
