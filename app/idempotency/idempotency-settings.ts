import * as v from "valibot";
import { integer, optionalText, settings } from "../env/env-values.js";

/** `Idempotency-Key` records: DynamoDB when a table is set, else in this process. */
export const idempotencySettings = settings(
  {
    IDEMPOTENCY_TABLE: optionalText(
      {
        meaning:
          "the DynamoDB table for `Idempotency-Key` records (stack output `idempotencyTableName`); unset: kept in this process, for one instance only",
      },
      v.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name"),
    ),
    IDEMPOTENCY_TTL_S: integer(
      86_400,
      { min: 60, max: 30 * 86_400 },
      { meaning: "how long a key's answer is kept for replays" },
    ),
  },
  (env) => ({ table: env.IDEMPOTENCY_TABLE, ttlS: env.IDEMPOTENCY_TTL_S }),
);
export type IdempotencySettings = ReturnType<typeof idempotencySettings.read>;
