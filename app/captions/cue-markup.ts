import { createTextBuilder } from "../text/text-builder.js";

const ENTITIES: ReadonlyArray<readonly [string, string]> = [
  ["&amp;", "&"],
  ["&lt;", "<"],
  ["&gt;", ">"],
  ["&nbsp;", " "],
  ["&lrm;", ""],
  ["&rlm;", ""],
  ["&quot;", '"'],
  ["&apos;", "'"],
];

/** Longest numeric character reference read: `&#x10FFFF;` (a bounded look ahead keeps the scan linear). */
const MAX_REFERENCE_CHARS = 10;

/**
 * A numeric character reference at `at` (`&#39;`, `&#x2019;`), as WebVTT's cue text takes HTML's: the
 * reference and its character, or undefined when it is not one (or names no character a text may hold).
 */
function numericReference(line: string, at: number): readonly [string, string] | undefined {
  if (line.charCodeAt(at + 1) !== 0x23 /* # */) return undefined;
  // Looked for only as far as a reference can reach: an `indexOf` from every `&#` would be quadratic.
  let end = at + 2;
  while (end < line.length && end - at < MAX_REFERENCE_CHARS && line.charCodeAt(end) !== 0x3b /* ; */) end++;
  if (line.charCodeAt(end) !== 0x3b) return undefined;
  const digits = line.slice(at + 2, end);
  const hex = digits.startsWith("x") || digits.startsWith("X");
  const value = hex ? digits.slice(1) : digits;
  if (!(hex ? /^[0-9a-f]{1,6}$/i : /^[0-9]{1,7}$/).test(value)) return undefined;
  const codePoint = Number.parseInt(value, hex ? 16 : 10);
  const usable = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
  return usable ? [line.slice(at, end + 1), String.fromCodePoint(codePoint)] : undefined;
}

/** The voice of a WebVTT `<v Name>` or `<v.class Name>` tag's inside, or undefined for any other tag. */
function voiceOf(tag: string): string | undefined {
  if (tag.charCodeAt(0) !== 0x76 /* v */) return undefined;
  let position = 1;
  if (tag[position] === ".") while (position < tag.length && !/\s/.test(tag[position]!)) position++;
  if (position >= tag.length || !/\s/.test(tag[position]!)) return undefined;
  const name = tag.slice(position).trim();
  return name === "" ? undefined : name;
}

/** Whether a tag's inside opens WebVTT ruby text: `rt`, or `rt.class`. */
const isRubyText = (tag: string) => tag === "rt" || tag.startsWith("rt.");

/**
 * Removes `<tags>` (and the readings of ruby text) and SSA `{\overrides}` and decodes the common entities, in
 * one pass: each tag's end is found with `indexOf` from where the tag starts, and the scan resumes after it. A
 * tag with no end is text.
 */
export function stripMarkup(line: string): { text: string; voice: string | undefined } {
  // Built only once there is markup to take out: most lines have none and are returned as they are.
  let out: ReturnType<typeof createTextBuilder> | undefined;
  let voice: string | undefined;
  let runStart = 0;
  let position = 0;
  // Once a closing character is known to be absent from the rest of the line, it is not searched for again.
  let tagsCanClose = true;
  let overridesCanClose = true;
  // The next `</rt>` and `</ruby>`, searched for again only once passed (-1: none in the rest of the line).
  let nextRubyTextClose = -2;
  let nextRubyClose = -2;
  /**
   * Where a ruby text's annotation (`<rt>kan</rt>`, a reading shown above the text) ends: after its `</rt>`,
   * or at the `</ruby>` that closes it too, whichever comes first; else at the line's end.
   */
  const annotationEnd = (from: number): number => {
    if (nextRubyTextClose !== -1 && nextRubyTextClose < from) nextRubyTextClose = line.indexOf("</rt>", from);
    if (nextRubyClose !== -1 && nextRubyClose < from) nextRubyClose = line.indexOf("</ruby>", from);
    const rubyFirst = nextRubyClose !== -1 && (nextRubyTextClose === -1 || nextRubyClose < nextRubyTextClose);
    if (rubyFirst) return nextRubyClose;
    return nextRubyTextClose === -1 ? line.length : nextRubyTextClose + "</rt>".length;
  };

  while (position < line.length) {
    const code = line.charCodeAt(position);
    let skipTo = -1;
    let replacement = "";
    if (code === 0x3c /* < */ && tagsCanClose) {
      const close = line.indexOf(">", position + 1);
      tagsCanClose = close !== -1;
      if (tagsCanClose) {
        const tag = line.slice(position + 1, close);
        voice ??= voiceOf(tag);
        skipTo = isRubyText(tag) ? annotationEnd(close + 1) : close + 1;
      }
    } else if (code === 0x7b /* { */ && overridesCanClose && line.charCodeAt(position + 1) === 0x5c /* \ */) {
      const close = line.indexOf("}", position + 2);
      overridesCanClose = close !== -1;
      if (overridesCanClose) skipTo = close + 1;
    } else if (code === 0x26 /* & */) {
      const entity = ENTITIES.find(([name]) => line.startsWith(name, position)) ?? numericReference(line, position);
      if (entity !== undefined) {
        skipTo = position + entity[0].length;
        replacement = entity[1];
      }
    }
    if (skipTo === -1) {
      position++;
      continue;
    }
    out ??= createTextBuilder();
    out.append(line.slice(runStart, position));
    out.append(replacement);
    position = skipTo;
    runStart = skipTo;
  }
  if (out === undefined) return { text: line, voice };
  out.append(line.slice(runStart));
  return { text: out.toString(), voice };
}
