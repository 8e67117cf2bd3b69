import type { CaptionsFormat } from "../../app/upload/input-detection.js";

const MiB = 1024 * 1024;

/** `unit` repeated to `bytes` characters, between a prefix and a suffix. */
const filler =
  (bytes: number) =>
  (unit: string, prefix = "", suffix = "") =>
    prefix + unit.repeat(Math.ceil(bytes / unit.length)) + suffix;
const srtCue = (line: string) => `1\n00:00:01,000 --> 00:00:02,000\n${line}\n`;
const vttCue = (line: string) => `WEBVTT\n\n00:01.000 --> 00:02.000\n${line}\n`;

/** Inputs that made backtracking patterns take time quadratic in their length, each of about `bytes`. */
export const shapesOf = (bytes: number): Array<[string, string, CaptionsFormat]> => {
  const fill = filler(bytes);
  return [
    ["an SRT cue line of `<`", srtCue(fill("<")), "srt"],
    ["`<v ` repeated in a VTT cue", vttCue(fill("<v ")), "vtt"],
    ["`<v.` repeated, closed at the very end", vttCue(fill("<v.", "", ">")), "vtt"],
    ["`{\\` repeated in an SRT cue", srtCue(fill("{\\")), "srt"],
    ["`{\\` repeated, closed at the very end", srtCue(fill("{\\", "", "}")), "srt"],
    ["`&am` repeated", srtCue(fill("&am")), "srt"],
    ["`<` and `{\\` interleaved with one late close of each", vttCue(fill("<{\\", "", ">}")), "vtt"],
    ["commas between a word and a filler", fill(",", "hello ", "um"), "text"],
    ["commas between a word and `x .`", fill(",", "hello ", "x ."), "text"],
    ["a filler after a long run of commas", fill(",", "ship um"), "text"],
    ["one huge word followed by many short ones", "a".repeat(bytes / 2) + fill(" a").slice(0, bytes / 2), "text"],
    ["a stutter of one word", fill("so "), "text"],
    ["fillers only", fill("um, "), "text"],
    ["full stops only", fill(". "), "text"],
    ["soft marks then a full stop, repeated", fill("word ,;: . "), "text"],
    ["colons, as a speaker label would start", fill(":"), "text"],
    ["a label-like prefix then colons", fill(":", "Alice"), "text"],
    ["digits, as a timing line would start", fill("1"), "srt"],
    ["`00:` repeated, as a timing line would start", fill("00:"), "vtt"],
    ["blanks before an arrow", fill(" ", "00:01.000", "--> 00:02.000\nx"), "vtt"],
    ["arrows repeated", fill("-->"), "vtt"],
    ["timing lines only", fill("00:00:01,000 --> 00:00:02,000\n"), "srt"],
    ["blank lines only", fill("\n"), "srt"],
    ["an index, then blank lines that reach no timing line", fill("\n", "1", "x"), "srt"],
    ["an index, then blanks of every kind with line breaks", fill(" \r\n\t\u3000", "1", "x"), "srt"],
    ["carriage returns only", fill("\r"), "vtt"],
    ["lines ended by a lone CR, one LF at the very end", fill("a\r", "", "\n"), "text"],
    ["lines ended by LF, one CR at the very end", fill("a\n", "", "\r"), "text"],
    ["lone `i` words", fill("i "), "text"],
    ["non-letter prefix before `i`", fill(",", "", "i"), "text"],
    ["astral letters", fill("𝒜"), "text"],
    ["empty tags", vttCue(fill("<>")), "vtt"],
    ["`&#` repeated, one `;` at the very end", vttCue(fill("&#", "", ";")), "vtt"],
    ["ruby text opened again and again, never closed", vttCue(fill("<rt>a")), "vtt"],
    ["ruby texts closed, one `</ruby>` at the very end", vttCue(fill("<rt>a</rt>", "", "</ruby>")), "vtt"],
    [
      "a filler behind brackets it never closes, then closers of another kind",
      fill("(", "", "um" + "]".repeat(bytes / 2)),
      "text",
    ],
    ["fillers that open brackets, one word at the very end", fill("(um "), "text"],
    ["fillers that open quotes and close brackets", fill('"um) '), "text"],
    ["whitespace of every kind", fill(" \t\u00a0\u2003\u3000"), "text"],
  ];
};

/** Each shape at 1 MiB. */
export const SHAPES = shapesOf(MiB);
