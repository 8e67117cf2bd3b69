import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { AuthenticationFailed, type AuthFailureReason, type Authenticator } from "../../auth/authenticator.js";
import type { EdgeBindings, IdentityVariables, InteractionVariables } from "../server/app-env.js";
import { resolveRequestContext, type IdentityDefaults } from "../identity/identity.js";
import { readIdentityHeader } from "../identity/identity-headers.js";
import { ApiError } from "../contract/problem.js";
import { warnClient } from "../server/client-warnings.js";

export interface IdentityOptions {
  defaults: IdentityDefaults;
  /** The verified modes' authenticator; absent in `headers` mode (the trusted-header chain). */
  authenticator?: Authenticator | undefined;
  onAuthFailure?: (reason: AuthFailureReason) => void;
  newId?: () => string;
}

/** RFC 6750: what a client that must authenticate is told, and why its credential was refused. */
export const AUTH_REALM = 'Bearer realm="batch-transcription"';

/** `Authorization: Bearer <credential>` (the scheme in any case), else `undefined`; other schemes are malformed. */
function bearerOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer +([^ ]+) *$/i.exec(authorization);
  if (match === null)
    throw new AuthenticationFailed("malformed", "Send the credential as Authorization: Bearer <credential>.");
  return match[1];
}

/**
 * Who is asking, from one place. `headers` mode reads the trusted headers (see `resolveRequestContext`):
 * invalid tenant ids are logged and reported in `X-Warning`; over-long, repeated or non-UTF-8 ids are a
 * 400. The verified modes take the identity from the credential alone: missing or invalid is 401 with
 * `WWW-Authenticate`, a sent `X-Tenant-ID` that is not the credential's tenant is 403, and the identity
 * headers are otherwise ignored.
 */
export function identity({ defaults, authenticator, onAuthFailure, newId = randomUUID }: IdentityOptions) {
  return createMiddleware<{ Variables: InteractionVariables & IdentityVariables; Bindings: EdgeBindings }>(
    async function identity(c, next) {
      const header = (name: string) => readIdentityHeader(name, c.env?.incoming, (fallback) => c.req.header(fallback));
      if (authenticator === undefined) {
        const { context, warnings } = resolveRequestContext(
          { tenantId: header("X-Tenant-ID"), userId: header("X-User-ID"), accountId: header("X-Account-ID") },
          defaults,
          c.var.interactionId,
          newId,
        );
        for (const warning of warnings) {
          c.var.log.warn({ header: warning.header, value: warning.value.slice(0, 100) }, warning.message);
          warnClient(c, warning.message);
        }
        c.set("context", context);
        return next();
      }

      let verified;
      try {
        verified = await authenticator.authenticate({
          bearer: bearerOf(header("Authorization")),
          apiKey: header("X-API-Key"),
        });
      } catch (error) {
        if (!(error instanceof AuthenticationFailed)) throw error;
        onAuthFailure?.(error.reason);
        c.var.log.info({ auth_mode: authenticator.mode, reason: error.reason }, "credential refused");
        if (error.reason === "verifier_unavailable")
          throw new ApiError("auth_unavailable", error.message, {}, { cause: error });
        c.header(
          "WWW-Authenticate",
          error.reason === "missing"
            ? AUTH_REALM
            : `${AUTH_REALM}, error="invalid_token", error_description="${error.message}"`,
        );
        throw new ApiError("unauthorized", error.message, { auth_reason: error.reason }, { cause: error });
      }
      const claimed = header("X-Tenant-ID")?.trim().toLowerCase();
      if (claimed !== undefined && claimed !== "" && claimed !== verified.tenantId) {
        onAuthFailure?.("tenant_mismatch");
        c.var.log.info(
          { auth_mode: authenticator.mode, credential_id: verified.credentialId },
          "X-Tenant-ID is not the credential's tenant",
        );
        throw new ApiError(
          "tenant_mismatch",
          "X-Tenant-ID names another tenant than the credential; leave it out or send the credential's tenant.",
        );
      }
      c.var.log.debug({ auth_mode: authenticator.mode, credential_id: verified.credentialId }, "credential verified");
      c.set("context", {
        tenantId: verified.tenantId,
        userId: verified.userId,
        accountId: verified.accountId,
        interactionId: c.var.interactionId,
      });
      return next();
    },
  );
}
