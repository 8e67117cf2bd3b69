import type { Readable } from "node:stream";
import busboy from "busboy";
import { isOverLimit } from "../../domain/failures.js";
import { TRANSCRIPTION_OPTION_NAMES } from "../../domain/transcription-options.js";
import { discardFailed } from "../../upload/upload-sink.js";
import { ApiError } from "../contract/problem.js";
import { SubtitleLayoutQuery } from "../contract/subtitle-query.js";
import { watchArrival } from "./arrival-watch.js";
import {
  asUploadError,
  checkFreeSpace,
  ClientGoneError,
  headScreen,
  tooLarge,
  type Received,
  type UploadOptions,
  type UploadRequest,
} from "./upload-request.js";

export const FILE_FIELD = "file";

/** Room for multipart framing (boundaries, part headers) and other small fields around the file. */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;
/** Parts other than `file` are ignored: together they may hold this much, no more. */
export const OTHER_PARTS_BYTES = 32 * 1024;
/**
 * The upload routes' query parameters. Sent as form fields instead (as OpenAI's transcription API takes
 * `model` and `language`) they are ignored like any other field, but named in the receipt so the client is
 * warned that its file was not transcribed as it meant.
 */
const QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  ...TRANSCRIPTION_OPTION_NAMES,
  ...Object.keys(SubtitleLayoutQuery.entries),
  "callback_url",
]);

/** Most parts a body may have; a browser form sends one or a few. */
export const MAX_PARTS = 16;
/**
 * Bytes can be counted off the wire before the parser has handed them to the file (stream buffers between
 * the two); a body is judged to carry too much besides the file only past this slack.
 */
const IN_FLIGHT_SLACK_BYTES = 256 * 1024;

const notExactlyOneFile = () => new ApiError("malformed_multipart", "Send exactly one `file` field.");

const fileAsText = () =>
  new ApiError(
    "missing_file",
    "The `file` field came as text, without a filename; send it as a file (`curl -F file=@meeting.wav`).",
  );

function tooMuchBesidesTheFile(): ApiError {
  return new ApiError(
    "payload_too_large",
    `The body carries more than ${OTHER_PARTS_BYTES} bytes besides the file; send only the \`file\` field, ` +
      "as a file with a filename (`curl -F file=@meeting.wav`): a part without a filename is text, not the file.",
    { max_other_bytes: OTHER_PARTS_BYTES },
  );
}

/** Refuses what can be refused from the headers alone, before any byte of the body is read. */
export function checkUploadHeaders(request: Omit<UploadRequest, "body">, maxBytes: number): number | undefined {
  const type = request.contentType?.toLowerCase() ?? "";
  if (!type.startsWith("multipart/form-data")) {
    throw new ApiError(
      "unsupported_media_type",
      "Send the recording as multipart/form-data with the file in a field named `file`, or as the whole body with its audio, video or captions Content-Type.",
    );
  }
  if (!type.includes("boundary=")) {
    throw new ApiError("malformed_multipart", "The multipart Content-Type has no boundary.");
  }
  if (request.contentLength === undefined || !/^\d{1,16}$/.test(request.contentLength)) return undefined;
  const declared = Number(request.contentLength);
  if (isOverLimit(declared, maxBytes + MULTIPART_ENVELOPE_BYTES)) throw tooLarge(maxBytes);
  return declared;
}

const noop = () => undefined;

/**
 * Streams the multipart field `file` straight into a sink (a temporary file, an S3 multipart upload),
 * checking every limit as the bytes pass (so it holds for chunked bodies too): the file against `maxBytes`,
 * the whole body against the file plus a small envelope, the other parts against their own small budget,
 * and a second `file` at once. Every stream it creates or receives has its error handled. On any failure
 * what the sink stored is discarded and the request is left unread and paused, never destroyed, so the
 * answer can still be written.
 */
export async function receiveUpload<T>(request: UploadRequest, options: UploadOptions<T>): Promise<Received<T>> {
  const declared = checkUploadHeaders(request, options.maxBytes);
  if (request.body === null) throw new ApiError("missing_file", "The request has no body.");
  const body: Readable = request.body;
  const { sink } = options;
  if (sink.space !== undefined) await checkFreeSpace(sink.space, declared);

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": request.contentType as string },
      // busboy reports its limit once a file reaches it; one byte more tells "over" from "exactly at".
      limits: { fileSize: options.maxBytes + 1, fieldSize: OTHER_PARTS_BYTES + 1, parts: MAX_PARTS + 1 },
    });
  } catch (error) {
    throw new ApiError("malformed_multipart", "The multipart Content-Type could not be parsed.", {}, { cause: error });
  }

  // Errors on the request after we are done with it (a reset while the answer is written) are not ours to throw.
  body.on("error", noop);

  return new Promise<Received<T>>((resolve, reject) => {
    let settled = false;
    let bodyBytes = 0;
    let fileBytes = 0;
    let otherBytes = 0;
    let fileStream: Readable | undefined;
    let written: Promise<Received<T>> | undefined;
    const optionFields = new Set<string>();
    // One file is accepted, so one screen serves the upload.
    const screen = headScreen(options.screen, fail);

    const arrival = watchArrival(options, fail);

    // Counted beside the pipe rather than through a stream of its own: one hop less for every byte.
    const countBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      arrival.arrived(chunk.length);
      if (isOverLimit(bodyBytes, options.maxBytes + MULTIPART_ENVELOPE_BYTES)) fail(tooLarge(options.maxBytes));
      else if (isOverLimit(besidesTheFile(chunk), OTHER_PARTS_BYTES + IN_FLIGHT_SLACK_BYTES))
        fail(tooMuchBesidesTheFile());
    };

    /**
     * Bytes the parser has taken and not given to the file. Not judged: this chunk (it has not reached the
     * parser yet; a body handed over in one chunk, as an in-process request is, is not all envelope), what
     * waits in the parser's buffer, and what it gave the file that the sink has not read yet (a slow sink,
     * such as an S3 part upload, holds the file back and with it the whole body).
     */
    const besidesTheFile = (chunk: Buffer) =>
      bodyBytes - chunk.length - parser.writableLength - fileBytes - (fileStream?.readableLength ?? 0);

    const countOther = (bytes: number) => {
      otherBytes += bytes;
      if (isOverLimit(otherBytes, OTHER_PARTS_BYTES)) fail(tooMuchBesidesTheFile());
    };

    const onAbort = () => fail(options.signal?.reason instanceof Error ? options.signal.reason : new ClientGoneError());
    const onBodyClose = () => {
      if (!body.readableEnded) fail(new ClientGoneError());
    };
    const onBodyError = (error: Error) => fail(new ClientGoneError({ cause: error }));

    function cleanUp() {
      arrival.stop();
      options.signal?.removeEventListener("abort", onAbort);
      body.off("data", countBody);
      body.off("close", onBodyClose);
      body.off("error", onBodyError);
    }

    function fail(error: Error) {
      if (settled) return;
      settled = true;
      cleanUp();
      body.unpipe(parser);
      body.pause();
      parser.destroy();
      discardFailed(sink, error).catch(reject);
    }

    async function succeed() {
      if (settled) return;
      if (written === undefined)
        return fail(new ApiError("missing_file", "The multipart body has no file field named `file`."));
      const received = await written.catch((error: unknown) => {
        fail(asUploadError(error));
        return undefined;
      });
      await screen.settled();
      if (received === undefined || settled) return;
      if (received.bytes === 0) return fail(new ApiError("empty_file", "The uploaded file is empty."));
      settled = true;
      cleanUp();
      resolve(optionFields.size === 0 ? received : { ...received, optionFields: [...optionFields] });
    }

    parser.on("file", (field, stream, info) => {
      // busboy destroys a part's stream with an error when the body ends inside it: always heard.
      stream.on("error", noop);
      // Parts can still arrive from the chunk being parsed when the upload failed: no file is opened then.
      if (settled) return stream.resume();
      if (QUERY_PARAMETERS.has(field)) optionFields.add(field);
      if (field !== FILE_FIELD) {
        stream.on("data", (chunk: Buffer) => countOther(chunk.length));
        stream.resume();
        return;
      }
      if (fileStream !== undefined) {
        stream.resume();
        return fail(notExactlyOneFile());
      }
      fileStream = stream;
      stream.on("limit", () => fail(tooLarge(options.maxBytes)));
      const { hash } = options;
      stream.on("data", (chunk: Buffer) => {
        fileBytes += chunk.length;
        hash?.update(chunk);
        screen.feed(chunk);
      });
      const declaredType = info.mimeType || undefined;
      written = sink.store(stream, declaredType).then((stored) => ({ bytes: fileBytes, declaredType, stored }));
      written.catch((error: unknown) => fail(asUploadError(error)));
    });
    parser.on("field", (name, value, info) => {
      // `curl -F file=<path` (rather than `@path`) sends the file's content as text, without a filename.
      if (name === FILE_FIELD) return fail(fileStream === undefined ? fileAsText() : notExactlyOneFile());
      if (QUERY_PARAMETERS.has(name)) optionFields.add(name);
      if (info.valueTruncated) return fail(tooMuchBesidesTheFile());
      countOther(Buffer.byteLength(name) + Buffer.byteLength(value));
    });
    parser.on("partsLimit", () =>
      fail(new ApiError("malformed_multipart", `The body has more than ${MAX_PARTS} parts.`, { max_parts: MAX_PARTS })),
    );
    parser.on("error", (error: unknown) => fail(asUploadError(error)));
    parser.on("finish", () => void succeed());
    body.on("close", onBodyClose);
    body.on("error", onBodyError);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    body.on("data", countBody);
    body.pipe(parser);
  });
}
