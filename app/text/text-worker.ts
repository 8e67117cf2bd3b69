import { readFile } from "node:fs/promises";
import { parseCaptions, type ParsedCaptions } from "../captions/captions-parser.js";
import { cleanWithRules } from "../cleaning/rules-cleaner.js";
import type { CaptionsFormat, TextEncoding } from "../upload/input-detection.js";

export type CaptionsImport = { ok: true; captions: ParsedCaptions } | { ok: false; reason: "encoding" };

/** Reads a captions file, decodes it strictly and parses it: a decoding failure is a result, not a throw. */
export async function importCaptions({ path, format, encoding }: { path: string; format: CaptionsFormat; encoding: TextEncoding }): Promise<CaptionsImport> {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(await readFile(path));
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, reason: "encoding" };
    throw error;
  }
  return { ok: true, captions: parseCaptions(text, format) };
}

export function cleanTranscript({ text }: { text: string }): string {
  return cleanWithRules(text);
}
