import * as v from "valibot";
import { ANY_CASE_UUID_V4 } from "../domain/ids.js";
import { ConfigError, integer, oneOf, optionalText, settings, text, optionalUrl } from "../env/env-values.js";
import { API_KEY_ID, API_KEY_ID_RULE, type ApiKeyEntry } from "./api-key-authenticator.js";
import { AUTH_MODES } from "./authenticator.js";
import type { JwtOptions } from "./jwt-authenticator.js";

/** `API_KEYS`: a JSON array of `{ id, sha256, tenant_id, user_id?, account_id? }`; only hashes, never keys. */
const ApiKeys = v.pipe(
  v.array(
    v.strictObject({
      id: v.pipe(v.string(), v.regex(API_KEY_ID, `id must be ${API_KEY_ID_RULE}`)),
      sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex digits")),
      tenant_id: v.pipe(v.string(), v.regex(ANY_CASE_UUID_V4, "tenant_id must be a UUID v4"), v.toLowerCase()),
      user_id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
      account_id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
    }),
  ),
  v.minLength(1, "must list at least one key"),
  v.check((keys) => new Set(keys.map((key) => key.id)).size === keys.length, "ids must be unique"),
);

export type AuthSettings =
  | { mode: "headers" }
  | { mode: "jwt"; jwt: Omit<JwtOptions, "jwksCooldownMs" | "jwksTimeoutMs"> }
  | { mode: "api-key"; apiKeys: ApiKeyEntry[] };

/** Who is asking: trusted headers, or a verified JWT or API key. */
export const authSettings = settings(
  {
    AUTH_MODE: oneOf(AUTH_MODES, "headers", {
      meaning:
        "`headers` (trusted identity headers), `jwt` or `api-key` (verified; see [Who is asking](#who-is-asking-auth_mode))",
    }),
    JWT_JWKS_URL: optionalUrl({ meaning: "`jwt`: the issuer's JSON Web Key Set" }),
    JWT_ISSUER: optionalText({ meaning: "`jwt`: the required `iss`" }),
    JWT_AUDIENCE: optionalText({ meaning: "`jwt`: the required `aud`" }),
    JWT_TENANT_CLAIM: text("tenant_id", { meaning: "`jwt`: the claim holding the tenant (a UUID v4)" }),
    JWT_ACCOUNT_CLAIM: optionalText({ meaning: "`jwt`: the claim holding the account, when there is one" }),
    JWT_CLOCK_SKEW_S: integer(30, { min: 0, max: 300 }, { meaning: "`jwt`: tolerance on `exp` and `nbf`" }),
    API_KEYS: optionalText({
      meaning:
        '`api-key`: JSON array of `{ "id", "sha256", "tenant_id", "user_id"?, "account_id"? }` (`npm run api-key` makes one)',
      secret: true,
    }),
  },
  (env): AuthSettings => {
    switch (env.AUTH_MODE) {
      case "headers":
        return { mode: "headers" };
      case "jwt": {
        const { JWT_JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience } = env;
        if (jwksUrl === undefined || issuer === undefined || audience === undefined) {
          const missing = Object.entries({ JWT_JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience })
            .filter(([, value]) => value === undefined)
            .map(([name]) => name);
          throw new ConfigError(`Invalid configuration: AUTH_MODE: jwt needs ${missing.join(", ")}`);
        }
        const jwt = {
          jwksUrl,
          issuer,
          audience,
          tenantClaim: env.JWT_TENANT_CLAIM,
          accountClaim: env.JWT_ACCOUNT_CLAIM,
          clockSkewS: env.JWT_CLOCK_SKEW_S,
        };
        return { mode: "jwt", jwt };
      }
      case "api-key":
        return { mode: "api-key", apiKeys: parseApiKeys(env.API_KEYS) };
    }
  },
);

function parseApiKeys(value: string | undefined): ApiKeyEntry[] {
  if (value === undefined)
    throw new ConfigError("Invalid configuration: AUTH_MODE: api-key needs API_KEYS (see `npm run api-key`)");
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    // The value may hold secrets by mistake: it is never echoed.
    throw new ConfigError("Invalid configuration: API_KEYS: must be a JSON array");
  }
  const parsed = v.safeParse(ApiKeys, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    throw new ConfigError(`Invalid configuration: API_KEYS${path === null ? "" : `.${path}`}: ${issue.message}`);
  }
  return parsed.output;
}
