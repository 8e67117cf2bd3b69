import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as v from "valibot";
import { UUID_V4 } from "../domain/ids.js";

/** A list cursor that is not one this service handed out (or not to this tenant). */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
  constructor() {
    super("The cursor is not one this service handed out.");
  }
}

/** Where a page of a tenant's jobs ends: the listing index's key of its last job. */
const CursorKey = v.strictObject({
  tenant_id: v.pipe(v.string(), v.regex(UUID_V4)),
  job_id: v.pipe(v.string(), v.regex(UUID_V4)),
  created_key: v.pipe(v.string(), v.maxLength(80)),
});
export type CursorKey = v.InferOutput<typeof CursorKey>;

/**
 * List cursors, signed: `base64url(key).base64url(hmac)`. A cursor that was altered, made by hand, or issued
 * to another tenant is refused, so a client can only page through what it was shown. The key is shared by
 * every instance (`CURSOR_SIGNING_KEY`); without one each process makes its own, and a cursor only works on
 * the instance that issued it.
 */
export function createListCursors(signingKey: string = randomBytes(32).toString("base64")) {
  const mac = (payload: string) => createHmac("sha256", signingKey).update(payload).digest();
  return {
    encode(key: CursorKey): string {
      const payload = Buffer.from(JSON.stringify(key)).toString("base64url");
      return `${payload}.${mac(payload).toString("base64url")}`;
    },
    decode(cursor: string, tenantId: string): CursorKey {
      const [payload, signature, extra] = cursor.split(".");
      if (payload === undefined || signature === undefined || extra !== undefined) throw new InvalidCursor();
      const expected = mac(payload);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursor();
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        throw new InvalidCursor();
      }
      const parsed = v.safeParse(CursorKey, key);
      if (!parsed.success || parsed.output.tenant_id !== tenantId) throw new InvalidCursor();
      return parsed.output;
    },
  };
}

export type ListCursors = ReturnType<typeof createListCursors>;
