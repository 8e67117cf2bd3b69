import type { Context } from "hono";
import { TRANSCRIPTION_OPTION_NAMES, type TranscriptionOptions } from "../../domain/transcription-options.js";
import type { AskedOptions, OptionPolicy } from "../../transcription/requested-options.js";

/** Each transcription option's query parameter, every value of it (`keyterm` and `redact` repeat). */
function askedOptions(c: Context): AskedOptions {
  const asked: AskedOptions = {};
  for (const name of TRANSCRIPTION_OPTION_NAMES) {
    const values = c.req.queries(name);
    if (values !== undefined) asked[name] = values;
  }
  return asked;
}

/**
 * The upload's transcription options, from its query, checked before the body is read: a value that is not
 * one is a 400 naming the parameter, one the provider cannot honour a 422 `unsupported_option`.
 */
export const transcriptionOptionsOf = (c: Context, policy: OptionPolicy): TranscriptionOptions =>
  policy.resolve(askedOptions(c));
