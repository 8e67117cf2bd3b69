import { createHash, timingSafeEqual } from "node:crypto";
import { AuthenticationFailed, type Authenticator } from "./authenticator.js";

/** One configured key: only its sha256 is ever known to the service. */
export interface ApiKeyEntry {
  id: string;
  sha256: string;
  tenant_id: string;
  user_id?: string | undefined;
  account_id?: string | undefined;
}

/** What a key's `id` may be: it is logged, and a metric-safe name. */
export const API_KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const API_KEY_ID_RULE = "1-64 letters, digits, _ . -";

export const sha256Hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * `Authorization: Bearer <key>` or `X-API-Key: <key>` against `API_KEYS`. The presented key is hashed and
 * compared with every entry's hash in constant time (all entries, whatever matches), so neither the time
 * nor the order of the entries says how close a guess came. A key removed from the config stops working at
 * the next start.
 */
export function createApiKeyAuthenticator(entries: readonly ApiKeyEntry[]): Authenticator {
  const hashes = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, "hex") }));
  return {
    mode: "api-key",
    authenticate({ bearer, apiKey }) {
      const key = apiKey ?? bearer;
      if (key === undefined)
        return Promise.reject(
          new AuthenticationFailed("missing", "Send an API key as X-API-Key or Authorization: Bearer."),
        );
      const presented = createHash("sha256").update(key, "utf8").digest();
      let found: ApiKeyEntry | undefined;
      for (const { entry, digest } of hashes) {
        if (timingSafeEqual(presented, digest) && found === undefined) found = entry;
      }
      if (found === undefined)
        return Promise.reject(new AuthenticationFailed("unknown_api_key", "The API key is not valid."));
      return Promise.resolve({
        tenantId: found.tenant_id,
        userId: found.user_id ?? `api-key:${found.id}`,
        accountId: found.account_id ?? null,
        credentialId: `api-key:${found.id}`,
      });
    },
  };
}
