import * as v from "valibot";

/**
 * The shapes an environment variable takes, each with its default and its documentation. Absent or empty
 * means the default. `meaning` is what the README's table and `.env.example` say of the variable;
 * `shownDefault` is said instead of a default that depends on the machine (the OS temp dir) or is absent.
 */
export interface VariableDoc {
  meaning: string;
  shownDefault?: string;
  secret?: boolean;
}

function documented<T extends v.GenericSchema>(schema: T, doc: VariableDoc) {
  return v.pipe(
    schema,
    v.description(doc.meaning),
    v.metadata({ shownDefault: doc.shownDefault, secret: doc.secret ?? false }),
  );
}

/** A whole number with a default and bounds. */
export function integer(defaultValue: number, bounds: { min: number; max?: number }, doc: VariableDoc) {
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return documented(
    v.pipe(
      v.optional(v.string(), String(defaultValue)),
      v.regex(/^\d+$/, "must be a whole number"),
      v.transform(Number),
      v.minValue(bounds.min, `must be at least ${bounds.min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    doc,
  );
}

/** A whole number within bounds, or nothing (its default is worked out from other settings). */
export function optionalInteger(bounds: { min: number; max?: number }, doc: VariableDoc) {
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return documented(
    v.optional(
      v.pipe(
        v.string(),
        v.regex(/^\d+$/, "must be a whole number"),
        v.transform(Number),
        v.minValue(bounds.min, `must be at least ${bounds.min}`),
        v.maxValue(max, `must be at most ${max}`),
      ),
    ),
    doc,
  );
}

/** A switch: `true`/`false` (or `1`/`0`). */
export function flag(defaultValue: boolean, doc: VariableDoc) {
  return documented(
    v.pipe(
      v.optional(v.picklist(["true", "false", "1", "0"], "must be true or false"), defaultValue ? "true" : "false"),
      v.transform((value) => value === "true" || value === "1"),
    ),
    doc,
  );
}

/** One of a few words. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  options: T,
  defaultValue: T[number],
  doc: VariableDoc,
) {
  return documented(v.optional(v.picklist(options, `must be one of ${options.join(", ")}`), defaultValue), doc);
}

/** Free text with a default. */
export function text(defaultValue: string, doc: VariableDoc) {
  return documented(v.optional(v.string(), defaultValue), doc);
}

/** Optional free text, or optional text checked by `check` (a bucket name, a secret's length). */
export function optionalText(doc: VariableDoc, ...checks: v.PipeItem<string, string, v.BaseIssue<unknown>>[]) {
  return documented(v.optional(v.pipe(v.string(), ...checks)), doc);
}

const absoluteUrl = v.pipe(v.string(), v.url("must be an absolute URL"));

/** An absolute URL with a default. */
export function url(defaultValue: string, doc: VariableDoc) {
  return documented(v.optional(absoluteUrl, defaultValue), doc);
}

/** An absolute URL, or nothing. */
export function optionalUrl(doc: VariableDoc) {
  return documented(v.optional(absoluteUrl), doc);
}

/** What one component reads from the environment: its variables, and how they become its settings. */
export interface Settings<E extends v.ObjectEntries, S> {
  readonly entries: E;
  read(env: v.InferOutput<v.ObjectSchema<E, undefined>>): S;
}

export function settings<const E extends v.ObjectEntries, S>(
  entries: E,
  read: (env: v.InferOutput<v.ObjectSchema<E, undefined>>) => S,
): Settings<E, S> {
  return { entries, read };
}

/** A configuration that cannot run: its message names every variable that is wrong, and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** A component's settings with every variable unset: its defaults, read from its schema rather than repeated. */
export function defaultsOf<E extends v.ObjectEntries, S>(component: Settings<E, S>): S {
  return component.read(v.parse(v.object(component.entries), {}));
}
