import type { Context } from "hono";
import * as v from "valibot";
import { ApiError } from "./problem.js";

/**
 * A route's query parameters, validated by its valibot schema: the output, or a 400 `invalid_query` naming
 * the parameter that is wrong. Only the schema's own parameters are read; others are ignored.
 */
export function parseQuery<TSchema extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  c: Context,
  schema: TSchema,
): v.InferOutput<TSchema> {
  const given = Object.fromEntries(Object.keys(schema.entries).map((name) => [name, c.req.query(name)]));
  const parsed = v.safeParse(schema, given);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new ApiError("invalid_query", issue.message, { parameter: v.getDotPath(issue) ?? "query" });
  }
  return parsed.output;
}
