import type { CaptionsFormat } from "../upload/input-detection.js";

export interface ParsedCaptions {
  /** Cue text only, one cue per line; speakers from WebVTT voice tags kept as `Speaker: text`. */
  transcript: string;
  /** End of the last cue, when the format has timings. */
  durationS: number | null;
}

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})/;
const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&nbsp;": " ",
  "&lrm;": "",
  "&rlm;": "",
  "&quot;": '"',
  "&apos;": "'",
};

export function parseCaptions(text: string, format: CaptionsFormat): ParsedCaptions {
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (format === "text") {
    return { transcript: normalised.split("\n").map(collapseSpaces).filter(Boolean).join("\n"), durationS: null };
  }
  const lines: string[] = [];
  let durationS: number | null = null;
  for (const block of normalised.split(/\n{2,}/)) {
    const blockLines = block.split("\n");
    const timingIndex = blockLines.findIndex((line) => TIMING.test(line));
    // Blocks without a timing line are the WebVTT header, NOTE, STYLE and REGION blocks.
    if (timingIndex === -1) continue;
    const end = TIMING.exec(blockLines[timingIndex] ?? "")?.[2];
    if (end !== undefined) durationS = Math.max(durationS ?? 0, toSeconds(end));
    const cue = cueText(blockLines.slice(timingIndex + 1), format);
    if (cue !== "") lines.push(cue);
  }
  return { transcript: lines.join("\n"), durationS };
}

function cueText(payload: string[], format: CaptionsFormat): string {
  let speaker: string | undefined;
  const text = payload
    .map((line) => {
      const voice = /<v(?:\.[^\s>]*)?\s+([^>]+)>/.exec(line);
      if (format === "vtt" && voice?.[1] !== undefined && speaker === undefined) speaker = voice[1].trim();
      return stripMarkup(line);
    })
    .join(" ");
  const cleaned = collapseSpaces(text);
  if (cleaned === "") return "";
  return speaker === undefined ? cleaned : `${speaker}: ${cleaned}`;
}

function stripMarkup(line: string): string {
  return line
    .replace(/<[^>]*>/g, "")
    .replace(/\{\\[^}]*\}/g, "")
    .replace(/&(?:amp|lt|gt|nbsp|lrm|rlm|quot|apos);/g, (entity) => ENTITIES[entity] ?? entity);
}

function collapseSpaces(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function toSeconds(timestamp: string): number {
  const parts = timestamp.replace(",", ".").split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}
