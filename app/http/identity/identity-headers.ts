import type { IncomingMessage } from "node:http";
import { ApiError } from "../contract/problem.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One identity header as the client sent it, decoded as UTF-8. HTTP carries header values as bytes; Node
 * (and the Fetch `Headers`) hand them over one byte per character, so the bytes are recovered and decoded
 * strictly. A header sent more than once is refused, not joined with a comma: with identity, "alice,
 * mallory" is not a value anyone meant.
 */
export function readIdentityHeader(
  name: string,
  incoming: Pick<IncomingMessage, "rawHeaders"> | undefined,
  fallback: (name: string) => string | undefined,
): string | undefined {
  let values: string[];
  if (incoming === undefined) {
    const value = fallback(name);
    values = value === undefined ? [] : [value];
  } else {
    const lower = name.toLowerCase();
    values = [];
    for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
      if (incoming.rawHeaders[i]!.toLowerCase() === lower) values.push(incoming.rawHeaders[i + 1]!);
    }
  }
  if (values.length > 1)
    throw new ApiError("invalid_header", `${name} was sent more than once; send it once.`, { header: name });
  const [value] = values;
  if (value === undefined) return undefined;
  try {
    return utf8.decode(Buffer.from(value, "latin1"));
  } catch {
    // Without a Node request (`app.request()` in tests and tools) a Latin-1 value may be meant as characters.
    if (incoming === undefined) return value;
    throw new ApiError("invalid_header", `${name} is not valid UTF-8.`, { header: name });
  }
}
