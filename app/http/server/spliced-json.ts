import type { OpenedObject } from "../../storage/object-store.js";

const OPEN_BRACE = 0x7b;

/**
 * A stored JSON object (as `JSON.stringify` wrote it: no whitespace) sent with fields of our own in front:
 * `{"ours":…,` then the stored object's fields as its bytes arrive. Neither side is parsed, and the stored
 * bytes are never all in memory: they flow at the pace the client reads. The keys must not overlap.
 * `bytes` is the answer's exact length, so a client can tell a cut-off answer from a whole one.
 */
export function splicedJson(
  front: Record<string, unknown>,
  stored: OpenedObject,
  onError: (error: unknown) => void,
): { stream: ReadableStream<Uint8Array>; bytes: number } {
  const frontText = JSON.stringify(front);
  if (stored.bytes <= 2) {
    stored.body.destroy();
    return { stream: ReadableStream.from([Buffer.from(frontText)]), bytes: Buffer.byteLength(frontText) };
  }
  const frontOpen = frontText.slice(0, -1);
  const head = Buffer.from(frontOpen === "{" ? frontOpen : `${frontOpen},`);
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let first = true;
    try {
      for await (const chunk of stored.body) {
        let bytes = chunk as Buffer;
        if (first) {
          if (bytes[0] !== OPEN_BRACE) throw new Error("The stored object is not a JSON object.");
          first = false;
          yield head;
          bytes = bytes.subarray(1);
        }
        if (bytes.length > 0) yield bytes;
      }
    } catch (error) {
      onError(error);
      throw error;
    } finally {
      // A client gone mid-answer stops the generator here: the stored object's connection goes with it.
      stored.body.destroy();
    }
  }
  return { stream: ReadableStream.from(pieces()), bytes: head.length + stored.bytes - 1 };
}
