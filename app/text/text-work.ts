import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import type { CaptionsFormat, TextEncoding } from "../upload/input-detection.js";
import type { CaptionsImport } from "./text-worker.js";
import * as inline from "./text-worker.js";

/**
 * The CPU-heavy text steps (decode and parse a captions file, clean a transcript with the rules). They run
 * in linear time, but a 16 MiB file still takes seconds of CPU: on a worker thread the event loop keeps
 * answering other requests meanwhile.
 */
export interface TextWork {
  importCaptions(task: { path: string; format: CaptionsFormat; encoding: TextEncoding }): Promise<CaptionsImport>;
  cleanWithRules(text: string): Promise<string>;
  close(): Promise<void>;
}

/** On the calling thread: for tests and tools that build the app without a pool. */
export function inlineTextWork(): TextWork {
  return {
    importCaptions: (task) => inline.importCaptions(task),
    cleanWithRules: (text) => Promise.resolve(inline.cleanTranscript({ text })),
    close: () => Promise.resolve(),
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

export interface TextWorkerPoolOptions {
  /** Worker threads at most; default: all cores but one (at least one). */
  maxThreads?: number;
  /** Heap limit of one worker: a file that needs more fails that request only. */
  maxHeapMb?: number;
}

export function createTextWorkerPool(options: TextWorkerPoolOptions = {}): TextWork {
  const { filename, execArgv } = workerModule();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: 1,
    maxThreads: options.maxThreads ?? Math.max(1, availableParallelism() - 1),
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024, maxYoungGenerationSizeMb: 8 },
  });
  return {
    importCaptions: (task) => pool.run(task, { name: "importCaptions" }) as Promise<CaptionsImport>,
    cleanWithRules: (text) => pool.run({ text }, { name: "cleanTranscript" }) as Promise<string>,
    close: () => pool.destroy(),
  };
}
