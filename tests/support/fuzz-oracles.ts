import * as v from "valibot";
import { BatchResponse } from "../../app/http/contract/api-schemas.js";
import { Problem } from "../../app/http/contract/problem-schema.js";
import type { RawAnswer } from "./raw-http.js";
import { parseVtt } from "./subtitle-parsers.js";

const TIMED_LISTS = ["utterances", "words"] as const;

/** An answer's media type, without its parameters. */
export const typeOf = (answer: Pick<RawAnswer, "headers">) => answer.headers["content-type"]?.split(";")[0]?.trim();

function parsed(body: string): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(body) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with what a whole answer holds, or undefined: a refusal that is not the documented problem
 * (or names another status than its own), a `POST /batch/process` answer outside its schema, WebVTT that the
 * W3C parser's port refuses (cues out of order, a cue that ends as it starts), or JSON whose utterances or
 * words have a time that is not a number from 0 up to their end (an `Infinity` is written as `null`).
 */
export function contentFault(answer: RawAnswer, route: string): string | undefined {
  if (answer.status === undefined || !answer.complete) return undefined;
  const type = typeOf(answer);
  if (answer.status >= 400 && type === "application/problem+json") {
    const problem = parsed(answer.body);
    if (problem === undefined || !v.is(Problem, problem.json)) return "a problem outside its schema";
    return problem.json.status === answer.status ? undefined : `a problem naming status ${problem.json.status}`;
  }
  if (answer.status !== 200) return undefined;
  if (type === "text/vtt") {
    const [error] = parseVtt(answer.body).errors;
    return error === undefined ? undefined : `WebVTT the parser refuses: ${error}`;
  }
  if (type !== "application/json") return undefined;
  const read = parsed(answer.body);
  if (read === undefined) return "a JSON answer that does not parse";
  if (route === "/batch/process" && !v.is(BatchResponse, read.json)) return "an answer outside BatchResponse";
  const json = read.json as Record<string, unknown>;
  for (const list of TIMED_LISTS) {
    const items = json[list];
    if (!Array.isArray(items)) continue;
    for (const { start, end } of items as Array<{ start: unknown; end: unknown }>) {
      if (typeof start !== "number" || typeof end !== "number" || start < 0 || end < start)
        return `${list} with the times ${JSON.stringify(start)} to ${JSON.stringify(end)}`;
    }
  }
  return undefined;
}
