import type { Context } from "hono";
import * as v from "valibot";
import { ApiError } from "./problem.js";

/**
 * A route's query parameters, validated by its valibot schema: the output, or a 400 `invalid_query` naming
 * the parameter that is wrong. Only the schema's own parameters are read; others are ignored. Each may be
 * given once: of `format=srt&format=vtt` neither is taken over the other (as with the transcription options).
 */
export function parseQuery<TSchema extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  c: Context,
  schema: TSchema,
): v.InferOutput<TSchema> {
  const given = Object.fromEntries(
    Object.keys(schema.entries).map((name) => {
      const values = c.req.queries(name);
      if (values !== undefined && values.length > 1)
        throw new ApiError("invalid_query", `${name} may be given once`, { parameter: name });
      return [name, values?.[0]];
    }),
  );
  const parsed = v.safeParse(schema, given);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new ApiError("invalid_query", issue.message, { parameter: v.getDotPath(issue) ?? "query" });
  }
  return parsed.output;
}
