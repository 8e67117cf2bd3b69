/**
 * Parts joined into one flat string at a time: a long text built from millions of small parts holds no tree of
 * them. Parts are often ropes themselves (a line built with `+=`), many times their length until joined: every
 * 256 rather than every 4096, a 16 MiB transcript of short lines grew the rules cleaner's heap by 35 MiB, not 52.
 */
const PARTS_PER_PIECE = 256;

/**
 * Characters of parts joined at the latest, however few they are: a rope costs about 13 bytes a character on
 * Node 26 until it is joined. The rules cleaner hands on a long line in ropes of 1 Ki characters; joined every
 * 256 of them rather than 16, a 16 MiB line of words grew the heap by 70 MiB, not 45.
 */
const PIECE_CHARS = 16 * 1024;

/**
 * Builds a long string from many small parts in memory proportional to the result. Appending with `+=`
 * makes a rope node per part (tens of bytes each, and each keeps its part alive); an array of every part
 * costs as much. Here parts are joined into a flat piece (a join's result is always flat) once `PARTS_PER_PIECE`
 * or `PIECE_CHARS` of them are held.
 */
export function createTextBuilder() {
  const pieces: string[] = [];
  let parts: string[] = [];
  let partsChars = 0;
  return {
    append(part: string) {
      parts.push(part);
      partsChars += part.length;
      if (parts.length === PARTS_PER_PIECE || partsChars >= PIECE_CHARS) {
        pieces.push(parts.join(""));
        parts = [];
        partsChars = 0;
      }
    },
    toString(): string {
      const tail = parts.join("");
      parts = [];
      partsChars = 0;
      // Most texts (a line, a word) never fill a piece: no second join for them.
      const text = pieces.length === 0 ? tail : pieces.join("") + tail;
      pieces.length = 0;
      pieces.push(text);
      return text;
    },
  };
}

/** Non-empty lines joined with `\n`, built as they come: memory in proportion to the text, not to its lines. */
export function createLineJoiner() {
  const out = createTextBuilder();
  let first = true;
  return {
    add(line: string) {
      if (line === "") return;
      if (!first) out.append("\n");
      out.append(line);
      first = false;
    },
    text: () => out.toString(),
  };
}

/** What `\d` matches in a JavaScript pattern: the ASCII digits. */
export const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/** What `\s` matches in a JavaScript pattern. */
export function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Runs of whitespace as one space, none at either end (`text.replace(/\s+/g, " ").trim()`, in memory proportional to the result). */
export function collapseSpaces(text: string): string {
  if (isCollapsed(text)) return text;
  const out = createTextBuilder();
  let position = 0;
  let first = true;
  while (position < text.length) {
    while (position < text.length && isWhitespace(text.charCodeAt(position))) position++;
    if (position === text.length) break;
    const start = position;
    while (position < text.length && !isWhitespace(text.charCodeAt(position))) position++;
    if (!first) out.append(" ");
    out.append(text.slice(start, position));
    first = false;
  }
  return out.toString();
}

/** Whether `text` has no whitespace but single spaces between words: most caption lines, returned as they are. */
function isCollapsed(text: string): boolean {
  let previousSpace = true;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (code === 0x20) {
      if (previousSpace) return false;
      previousSpace = true;
    } else if (isWhitespace(code)) return false;
    else previousSpace = false;
  }
  return !previousSpace || text.length === 0;
}
