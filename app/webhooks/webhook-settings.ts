import * as v from "valibot";
import { ANY_CASE_UUID_V4 } from "../domain/ids.js";
import { ConfigError, flag, integer, optionalText, optionalUrl, settings } from "../env/env-values.js";

/** A Standard Webhooks secret: `whsec_` and base64 of at least 24 bytes. */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;
const SECRET_RULE = "must be `whsec_` followed by base64 of at least 24 bytes";

/** `WEBHOOK_SECRETS`: a JSON object, tenant (UUID v4) → its own secret. */
const TenantSecrets = v.record(
  v.pipe(v.string(), v.regex(ANY_CASE_UUID_V4, "keys must be tenant UUIDs v4"), v.toLowerCase()),
  v.pipe(v.string(), v.regex(WEBHOOK_SECRET, `secrets ${SECRET_RULE}`)),
);

/** Signed callbacks when a job ends: the delivery queue, the secrets, retries and what a callback URL may be. */
export const webhookSettings = settings(
  {
    WEBHOOK_QUEUE_URL: optionalText(
      {
        meaning: "webhooks: the delivery queue (stack output `webhookQueueUrl`); without it `callback_url` is refused",
      },
      v.url("must be an absolute URL"),
    ),
    WEBHOOK_SECRET: optionalText(
      { meaning: "webhooks: the Standard Webhooks signing secret (`whsec_…`)", secret: true },
      v.regex(WEBHOOK_SECRET, SECRET_RULE),
    ),
    WEBHOOK_SECRETS: optionalText({
      meaning: "webhooks: JSON object of per-tenant secrets, tenant UUID → `whsec_…`; a tenant's own wins",
      secret: true,
    }),
    WEBHOOK_MAX_ATTEMPTS: integer(10, { min: 1, max: 50 }, { meaning: "webhooks: tries of one delivery" }),
    WEBHOOK_RETRY_BASE_S: integer(
      30,
      { min: 1, max: 3600 },
      { meaning: "webhooks: wait before the second try; it doubles each try (jittered), at most an hour" },
    ),
    WEBHOOK_MAX_INLINE_BYTES: integer(
      262_144,
      { min: 0, max: 16 * 1024 * 1024 },
      { meaning: "webhooks: transcript fields larger than this are sent as a link to the job instead" },
    ),
    WEBHOOK_ALLOW_PRIVATE: flag(false, {
      meaning:
        "webhooks: allow `http` and loopback or private targets on any port (development and tests only; `npm run dev` sets it)",
    }),
    PUBLIC_BASE_URL: optionalUrl({
      meaning: "the service's public address, for absolute links in webhooks (else the links are paths)",
    }),
  },
  (env) => {
    let tenantSecrets: Record<string, string> = {};
    if (env.WEBHOOK_SECRETS !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(env.WEBHOOK_SECRETS);
      } catch {
        // The value holds secrets: it is never echoed.
        throw new ConfigError("Invalid configuration: WEBHOOK_SECRETS: must be a JSON object");
      }
      const parsed = v.safeParse(TenantSecrets, json);
      if (!parsed.success) throw new ConfigError(`Invalid configuration: WEBHOOK_SECRETS: ${parsed.issues[0].message}`);
      tenantSecrets = parsed.output;
    }
    return {
      queueUrl: env.WEBHOOK_QUEUE_URL,
      secret: env.WEBHOOK_SECRET,
      tenantSecrets,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseS: env.WEBHOOK_RETRY_BASE_S,
      maxInlineBytes: env.WEBHOOK_MAX_INLINE_BYTES,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      publicBaseUrl: env.PUBLIC_BASE_URL,
    };
  },
);
export type WebhookSettings = ReturnType<typeof webhookSettings.read>;

/** What webhooks still need, by variable: a `callback_url` is refused (503) while this is not empty. */
export function missingWebhookSettings(webhooks: WebhookSettings): string[] {
  return [
    ...(webhooks.queueUrl === undefined ? ["WEBHOOK_QUEUE_URL"] : []),
    ...(webhooks.secret === undefined && Object.keys(webhooks.tenantSecrets).length === 0 ? ["WEBHOOK_SECRET"] : []),
  ];
}
