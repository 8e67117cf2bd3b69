import { open } from "node:fs/promises";
import { fileTypeFromBuffer, fileTypeFromFile, type FileTypeResult } from "file-type";
import { isDigit, isWhitespace } from "../text/text-builder.js";

/** What an upload turned out to be, judged by its bytes, never by its name or declared type. */
export type DetectedInput =
  | { kind: "audio"; mime: string }
  | { kind: "captions"; format: CaptionsFormat; encoding: TextEncoding }
  | { kind: "unsupported"; mime: string | undefined }
  | { kind: "unsupported-encoding" };

export type CaptionsFormat = "vtt" | "srt" | "text";
export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be";

/** Byte order marks, checked before anything else: a UTF-16 BOM (FF FE) also looks like an MPEG frame. */
const BOMS: ReadonlyArray<{ bytes: number[]; encoding: TextEncoding }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: "utf-8" },
  { bytes: [0xff, 0xfe], encoding: "utf-16le" },
  { bytes: [0xfe, 0xff], encoding: "utf-16be" },
];

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
/** An SRT timing line's start, read from where the index line's gap ends (sticky: no scan of the rest). */
const SRT_TIMING = /\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->/y;

/** Detects a file on disk: file-type reads as far into it as a format needs. */
export async function detectInput(path: string): Promise<DetectedInput> {
  return classify(await readHead(path, TEXT_SNIFF_BYTES), () => fileTypeFromFile(path));
}

/** Detects from the first bytes of a file that is not on disk (an upload streamed to object storage). */
export async function detectInputFromHead(head: Buffer): Promise<DetectedInput> {
  return classify(head.subarray(0, TEXT_SNIFF_BYTES), () => fileTypeFromBuffer(head));
}

async function classify(head: Buffer, fileType: () => Promise<FileTypeResult | undefined>): Promise<DetectedInput> {
  const bom = BOMS.find(({ bytes }) => bytes.every((byte, index) => head[index] === byte));
  if (bom !== undefined) {
    const text = decodePrefix(head.subarray(bom.bytes.length), bom.encoding);
    // Binary data can start with FF FE too (a rare MPEG frame): it decodes to control characters.
    if (text !== undefined && !hasControlCharacters(text)) return captions(text, bom.encoding);
    if (bom.encoding === "utf-8" || isDamagedText(head.subarray(bom.bytes.length), bom.encoding))
      return { kind: "unsupported-encoding" };
  }
  const type = await fileType();
  if (type?.ext === "vtt") return { kind: "captions", format: "vtt", encoding: "utf-8" };
  if (type !== undefined) {
    return AUDIO_EXTENSIONS.has(type.ext)
      ? { kind: "audio", mime: type.mime }
      : { kind: "unsupported", mime: type.mime };
  }
  const text = decodePrefix(head, "utf-8");
  if (text !== undefined) return captions(text, "utf-8");
  return looksLikeText(head) ? { kind: "unsupported-encoding" } : { kind: "unsupported", mime: undefined };
}

function captions(text: string, encoding: TextEncoding): DetectedInput {
  return { kind: "captions", format: captionsFormatOf(text), encoding };
}

/**
 * Which captions format a text file's start is in: a WebVTT header, an SRT cue, or else plain text. A line
 * may end in LF, CRLF or a lone CR (WebVTT's line terminators; old Mac editors write CRs), as the parser reads.
 */
export function captionsFormatOf(text: string): CaptionsFormat {
  if (/^WEBVTT(?:[ \t][^\r\n]*)?(?:[\r\n]|$)/.test(text)) return "vtt";
  return startsLikeSrt(text) ? "srt" : "text";
}

/** Where the run of characters `matches` starting at `from` ends. */
function runEnd(text: string, from: number, matches: (code: number) => boolean): number {
  let at = from;
  while (at < text.length && matches(text.charCodeAt(at))) at++;
  return at;
}

/**
 * SRT's first cue: an index, a line break in the blanks after it, then a timing line; what
 * `/^\s*\d+\s*[\r\n]\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->/` matches, read in one pass. That pattern
 * tried every split of a run of blank lines between its two `\s*`: quadratic in the upload's head.
 */
function startsLikeSrt(text: string): boolean {
  const index = runEnd(text, 0, isWhitespace);
  const gap = runEnd(text, index, isDigit);
  if (gap === index) return false;
  const timing = runEnd(text, gap, isWhitespace);
  if (!/[\r\n]/.test(text.slice(gap, timing))) return false;
  SRT_TIMING.lastIndex = timing;
  return SRT_TIMING.test(text);
}

const isControl = (code: number) => code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c;

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

/**
 * Text in some other encoding (Latin-1, Windows-1252, Shift JIS…) has no control bytes: it is refused for
 * its encoding, not taken for a wrong kind of file.
 */
function looksLikeText(head: Buffer): boolean {
  return head.length > 0 && !head.some(isControl);
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

/**
 * UTF-16 text with a few code units it cannot hold (a lone surrogate, as a broken editor writes): refused for
 * its encoding. Binary data after an FF FE (an MPEG frame) decodes to control characters, or to a lone
 * surrogate in about one code unit in thirty; either way the file is refused, this only chooses the reason.
 */
function isDamagedText(head: Buffer, encoding: TextEncoding): boolean {
  const text = new TextDecoder(encoding).decode(head, { stream: true });
  let replaced = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) replaced++;
  return !hasControlCharacters(text) && replaced <= Math.max(2, text.length / 100);
}

/** Decodes the start of a file strictly; a character cut at the end of the sample is not an error. */
function decodePrefix(head: Buffer, encoding: TextEncoding): string | undefined {
  if (encoding === "utf-8" && head.includes(0)) return undefined;
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
}
