import type { IncomingMessage } from "node:http";
import { ApiError } from "../contract/problem.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A header's value as the client sent it (Node joins a repeated header with commas; its raw headers keep the
 * values apart), refused when it was sent more than once. Without a Node request (`app.request()` in tests
 * and tools) the value is the `fallback`'s.
 */
export function headerSentOnce(
  name: string,
  incoming: Pick<IncomingMessage, "rawHeaders"> | undefined,
  fallback: (name: string) => string | undefined,
): string | undefined {
  if (incoming === undefined) return fallback(name);
  const lower = name.toLowerCase();
  let value: string | undefined;
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
    if (incoming.rawHeaders[i]!.toLowerCase() !== lower) continue;
    if (value !== undefined)
      throw new ApiError("invalid_header", `${name} was sent more than once; send it once.`, { header: name });
    value = incoming.rawHeaders[i + 1]!;
  }
  return value;
}

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
  const value = headerSentOnce(name, incoming, fallback);
  if (value === undefined) return undefined;
  try {
    return utf8.decode(Buffer.from(value, "latin1"));
  } catch {
    // Without a Node request (`app.request()` in tests and tools) a Latin-1 value may be meant as characters.
    if (incoming === undefined) return value;
    throw new ApiError("invalid_header", `${name} is not valid UTF-8.`, { header: name });
  }
}
