import { StorageUnavailable } from "../../domain/failures.js";
import type { ObjectStore } from "../../storage/object-store.js";
import { discardFailed, type TempFileUpload, type UploadSink } from "../../upload/upload-sink.js";
import { ApiError } from "../contract/problem.js";
import { fromStorage } from "./job-acceptance.js";
import { asDiskRefusal, checkFreeSpace } from "./upload-request.js";

/**
 * A job's stored result put on the upload disk for a step that reads it whole (its subtitles), held to what an
 * upload is: refused before a byte is read when its size would eat into the disk reserve (507) or take its
 * tenant past its share of the disk (429), and counted against that share while it is there. Answers the
 * file's path and size, or `undefined` when the bucket has no such object. The bucket failing is 503.
 */
export async function downloadResult(
  objects: ObjectStore,
  key: string,
  sink: UploadSink<TempFileUpload>,
  signal: AbortSignal,
): Promise<{ path: string; bytes: number } | undefined> {
  const opened = await fromStorage("The result store", () => objects.open(key, signal));
  if (opened === undefined) return undefined;
  // The bucket's stream may fail while the disk is checked, before the sink reads it: the sink's pipeline
  // still reports that failure; without a listener meanwhile it would be an uncaught exception.
  opened.body.on("error", () => undefined);
  try {
    if (sink.space !== undefined) await checkFreeSpace(sink.space, opened.bytes);
    const { path } = await sink.store(opened.body, "application/json");
    return { path, bytes: opened.bytes };
  } catch (error) {
    opened.body.destroy();
    const refusal =
      error instanceof ApiError
        ? error
        : (asDiskRefusal(error) ?? new StorageUnavailable("The result store", { cause: error }));
    return discardFailed(sink, refusal);
  }
}
