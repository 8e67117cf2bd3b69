import { PassThrough, type Readable } from "node:stream";
import { isOverLimit } from "../../domain/failures.js";
import { receiveUpload } from "./multipart-upload.js";
import { type Received, type UploadOptions, type UploadRequest } from "./upload-request.js";
import { headScreen } from "./upload-request.js";
import { asUploadError, checkFreeSpace, ClientGoneError, tooLarge } from "./upload-request.js";
import { ApiError } from "../contract/problem.js";
import { watchArrival } from "./arrival-watch.js";
import { discardFailed } from "../../upload/upload-sink.js";

/** Content types a file may be sent as, as the whole request body (as Deepgram and AssemblyAI take it). */
const RAW_TYPES = /^(audio\/|video\/|application\/octet-stream|text\/vtt|application\/x-subrip|text\/plain)/;

export const isRawBodyType = (contentType: string | undefined) => RAW_TYPES.test(contentType?.toLowerCase() ?? "");

/**
 * Receives an upload in either form: multipart with the file in `file`, or the file as the whole body with
 * its own Content-Type. Both stream into the sink with the same limits, idle timeout and failure handling.
 */
export function receiveAnyUpload<T>(request: UploadRequest, options: UploadOptions<T>): Promise<Received<T>> {
  return isRawBodyType(request.contentType) ? receiveRawBody(request, options) : receiveUpload(request, options);
}

async function receiveRawBody<T>(request: UploadRequest, options: UploadOptions<T>): Promise<Received<T>> {
  const declared =
    request.contentLength !== undefined && /^\d{1,16}$/.test(request.contentLength)
      ? Number(request.contentLength)
      : undefined;
  if (declared !== undefined && isOverLimit(declared, options.maxBytes)) throw tooLarge(options.maxBytes);
  if (request.body === null || declared === 0) throw new ApiError("empty_file", "The uploaded file is empty.");
  const body: Readable = request.body;
  const { sink } = options;
  if (sink.space !== undefined) await checkFreeSpace(sink.space, declared);
  body.on("error", () => undefined);

  return new Promise<Received<T>>((resolve, reject) => {
    let settled = false;
    let bytes = 0;
    const { hash } = options;
    // Between the request and the sink, so a refusal can cut the sink off without destroying the request.
    const file = new PassThrough();
    file.on("error", () => undefined);
    const arrival = watchArrival(options, fail);
    const screen = headScreen(options.screen, (error) => fail(error));
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      hash?.update(chunk);
      screen.feed(chunk);
      arrival.arrived(chunk.length);
      if (isOverLimit(bytes, options.maxBytes)) fail(tooLarge(options.maxBytes));
    };
    const onAbort = () => fail(options.signal?.reason instanceof Error ? options.signal.reason : new ClientGoneError());
    const onClose = () => {
      if (!body.readableEnded) fail(new ClientGoneError());
    };

    function cleanUp() {
      arrival.stop();
      options.signal?.removeEventListener("abort", onAbort);
      body.off("data", onData);
      body.off("close", onClose);
    }

    function fail(error: Error) {
      if (settled) return;
      settled = true;
      cleanUp();
      body.unpipe(file);
      body.pause();
      file.destroy();
      discardFailed(sink, error).catch(reject);
    }

    const declaredType = request.contentType?.split(";")[0]?.trim() || undefined;
    sink.store(file, declaredType).then(
      async (stored) => {
        await screen.settled();
        if (settled) return;
        if (bytes === 0) return fail(new ApiError("empty_file", "The uploaded file is empty."));
        settled = true;
        cleanUp();
        resolve({ bytes, declaredType, stored });
      },
      (error: unknown) => fail(asUploadError(error)),
    );
    body.on("close", onClose);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    body.on("data", onData);
    body.pipe(file);
  });
}
