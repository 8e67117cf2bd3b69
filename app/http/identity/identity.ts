import { randomUUID } from "node:crypto";
import * as v from "valibot";
import type { RequestContext } from "../../domain/request-context.js";
import { isUuidV4 } from "../../domain/ids.js";
import { ApiError } from "../contract/problem.js";

export interface IdentityHeaders {
  tenantId?: string | null | undefined;
  userId?: string | null | undefined;
  accountId?: string | null | undefined;
}

export interface IdentityDefaults {
  tenantId?: string | undefined;
  userId?: string | undefined;
}

export interface ContextWarning {
  header: string;
  /** The rejected value, for the log. */
  value: string;
  /** What the client is told in `X-Warning`. */
  message: string;
}

export interface ResolvedContext {
  context: RequestContext;
  warnings: ContextWarning[];
}

export const MAX_IDENTITY_LENGTH = 256;
/** Characters as a person counts them (code points), as JSON Schema's `maxLength` does; not UTF-16 units. */
const characters = (value: string) => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};
/** A user or account id as a header carries it. */
export const IdentityValue = v.pipe(
  v.string(),
  v.check((value) => characters(value) <= MAX_IDENTITY_LENGTH, `must be at most ${MAX_IDENTITY_LENGTH} characters`),
);
/** The same rule for the OpenAPI document. */
export const IDENTITY_JSON_SCHEMA = { type: "string", maxLength: MAX_IDENTITY_LENGTH } as const;
export const DEFAULT_USER_ID = "system";

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function bounded(header: string, value: string | undefined): string | undefined {
  if (value !== undefined && !v.is(IdentityValue, value)) {
    throw new ApiError("invalid_header", `${header} must be at most ${MAX_IDENTITY_LENGTH} characters.`, {
      header,
    });
  }
  return value;
}

/**
 * The design's fallback chain: tenant `X-Tenant-ID` → MOCK_TENANT_ID → a new UUID v4 (a header that is not
 * a UUID v4 is replaced and reported), user `X-User-ID` → MOCK_USER_ID → "system", account `X-Account-ID` →
 * null. Throws `invalid_header` for over-long user or account ids.
 */
export function resolveRequestContext(
  headers: IdentityHeaders,
  defaults: IdentityDefaults,
  interactionId: string = randomUUID(),
  newId: () => string = randomUUID,
): ResolvedContext {
  const warnings: ContextWarning[] = [];
  const userId = bounded("X-User-ID", present(headers.userId)) ?? defaults.userId ?? DEFAULT_USER_ID;
  const accountId = bounded("X-Account-ID", present(headers.accountId)) ?? null;

  let tenantId = present(headers.tenantId) ?? defaults.tenantId;
  if (tenantId !== undefined && !isUuidV4(tenantId)) {
    warnings.push({
      header: "X-Tenant-ID",
      value: tenantId,
      message: "X-Tenant-ID is not a UUID v4; a generated tenant id was used instead",
    });
    tenantId = undefined;
  }
  return {
    context: { tenantId: (tenantId ?? newId()).toLowerCase(), userId, accountId, interactionId },
    warnings,
  };
}
