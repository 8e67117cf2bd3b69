import { createRequire } from "node:module";
import SrtParser from "srt-parser-2";
import type { WebVttNode } from "webvtt-parser";

const require = createRequire(import.meta.url);
// Required, not imported: the package sets its exports at run time, which Node's ESM loader (tsx, the fuzz
// script) cannot see as named exports.
const { WebVTTParser } = require("webvtt-parser") as typeof import("webvtt-parser");

/** A cue as an independent parser reads it: times, the voice (WebVTT) and the text without markup. */
export interface ParsedCue {
  start: number;
  end: number;
  voice: string | undefined;
  text: string;
}

function textOf(nodes: WebVttNode[]): string {
  return nodes.map((node) => (node.type === "text" ? (node.value ?? "") : textOf(node.children))).join("");
}

function voiceOf(nodes: WebVttNode[]): string | undefined {
  const voice = nodes.find((node) => node.type === "object" && node.name === "v");
  return voice?.value;
}

/** The HTML character references, as the parser's own table (its default knows `&amp` only without `;`). */
const ENTITIES = require("webvtt-parser/html-entities.json") as Record<string, string>;

/** WebVTT through `webvtt-parser` (the W3C reference parser's port): its errors, and each cue. */
export function parseVtt(text: string): { errors: string[]; cues: ParsedCue[] } {
  const parsed = new WebVTTParser(ENTITIES).parse(text, "metadata");
  return {
    errors: parsed.errors.map((error) => `${error.line}:${error.col} ${error.message}`),
    cues: parsed.cues.map((cue) => ({
      start: cue.startTime,
      end: cue.endTime,
      voice: voiceOf(cue.tree.children),
      text: textOf(cue.tree.children),
    })),
  };
}

/** SRT through `srt-parser-2`. */
export function parseSrt(text: string): ParsedCue[] {
  return new SrtParser().fromSrt(text).map((cue) => ({
    start: cue.startSeconds,
    end: cue.endSeconds,
    voice: undefined,
    text: cue.text,
  }));
}
