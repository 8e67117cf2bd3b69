import { randomBytes } from "node:crypto";
import { sha256Hex, type ApiKeyEntry } from "../app/auth/api-key-authenticator.js";

/** A new API key and its `API_KEYS` entry, which holds only the key's sha256. */
export function makeApiKey(
  tenantId: string,
  {
    id,
    userId,
    accountId,
  }: { id?: string | undefined; userId?: string | undefined; accountId?: string | undefined } = {},
): { key: string; entry: ApiKeyEntry } {
  const key = `bts_${randomBytes(32).toString("base64url")}`;
  return {
    key,
    entry: {
      id: id ?? `key-${randomBytes(4).toString("hex")}`,
      sha256: sha256Hex(key),
      tenant_id: tenantId.toLowerCase(),
      ...(userId !== undefined && { user_id: userId }),
      ...(accountId !== undefined && { account_id: accountId }),
    },
  };
}
