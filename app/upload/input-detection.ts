import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";

/** What an upload turned out to be, judged by its bytes, never by its name or declared type. */
export type DetectedInput =
  | { kind: "audio"; mime: string; extension: string }
  | { kind: "captions"; format: CaptionsFormat }
  | { kind: "unsupported"; mime: string | undefined };

export type CaptionsFormat = "vtt" | "srt" | "text";

/** Containers Deepgram (and Whisper) accept, by the extension file-type reports. */
const AUDIO_EXTENSIONS = new Set([
  "wav",
  "mp3",
  "flac",
  "ogg",
  "oga",
  "opus",
  "webm",
  "mp4",
  "m4a",
  "aac",
  "aif",
  "amr",
]);

const TEXT_SNIFF_BYTES = 4096;
const SRT_START = /^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->/;

export async function detectInput(path: string): Promise<DetectedInput> {
  const type = await fileTypeFromFile(path);
  if (type?.ext === "vtt") return { kind: "captions", format: "vtt" };
  if (type !== undefined) {
    return AUDIO_EXTENSIONS.has(type.ext)
      ? { kind: "audio", mime: type.mime, extension: type.ext }
      : { kind: "unsupported", mime: type.mime };
  }
  const head = await readHead(path, TEXT_SNIFF_BYTES);
  const text = decodeUtf8Prefix(head);
  if (text === undefined) return { kind: "unsupported", mime: undefined };
  const body = text.replace(/^\uFEFF/, "");
  if (/^WEBVTT(?:[ \t].*)?(?:\r?\n|$)/.test(body)) return { kind: "captions", format: "vtt" };
  if (SRT_START.test(body)) return { kind: "captions", format: "srt" };
  return { kind: "captions", format: "text" };
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Decodes the start of a file as strict UTF-8; a character cut at the end of the sample is not an error. */
function decodeUtf8Prefix(head: Buffer): string | undefined {
  if (head.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
}
