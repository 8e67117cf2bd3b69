import type { RawAnswer } from "./raw-http.js";
import { parseVtt } from "./subtitle-parsers.js";

const TIMED_LISTS = ["utterances", "words"] as const;

/**
 * What is wrong with what a whole 200 answer holds, or undefined: WebVTT that the W3C parser's port refuses
 * (cues out of order, a cue that ends as it starts), or JSON whose utterances or words have a time that is not
 * a number from 0 up to their end (an `Infinity` is written as `null`).
 */
export function contentFault(answer: RawAnswer): string | undefined {
  if (answer.status !== 200 || !answer.complete) return undefined;
  const type = answer.headers["content-type"]?.split(";")[0]?.trim();
  if (type === "text/vtt") {
    const [error] = parseVtt(answer.body).errors;
    return error === undefined ? undefined : `WebVTT the parser refuses: ${error}`;
  }
  if (type !== "application/json") return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return "a JSON answer that does not parse";
  }
  for (const list of TIMED_LISTS) {
    const items = json[list];
    if (!Array.isArray(items)) continue;
    for (const item of items as Array<{ start: unknown; end: unknown }>) {
      const { start, end } = item;
      if (typeof start !== "number" || typeof end !== "number" || start < 0 || end < start)
        return `${list} with the times ${JSON.stringify(start)} to ${JSON.stringify(end)}`;
    }
  }
  return undefined;
}
