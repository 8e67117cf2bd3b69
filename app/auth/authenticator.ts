/** Who a verified credential says the caller is: the only identity the verified modes use. */
export interface VerifiedIdentity {
  tenantId: string;
  userId: string;
  accountId: string | null;
  /** What the logs may say of the credential: an API key's id, or a token's `kid` and subject; never the secret. */
  credentialId: string;
}

/** What the client presented: a bearer credential (`Authorization: Bearer …`) or an `X-API-Key`. */
export interface Credentials {
  bearer?: string | undefined;
  apiKey?: string | undefined;
}

/** Why a credential was refused, as a metric label and a log field. */
export const AUTH_FAILURE_REASONS = [
  "missing",
  "malformed",
  "invalid_signature",
  "expired",
  "not_yet_valid",
  "wrong_issuer",
  "wrong_audience",
  "unknown_key",
  "bad_claims",
  "unknown_api_key",
  "verifier_unavailable",
  /** Not the credential's fault: a valid one sent with another tenant's `X-Tenant-ID`. */
  "tenant_mismatch",
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** The credential does not prove who the caller is (or, for `verifier_unavailable`, cannot be checked now). */
export class AuthenticationFailed extends Error {
  override readonly name = "AuthenticationFailed";
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const AUTH_MODES = ["headers", "jwt", "api-key"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The authentication port of the verified modes; `headers` mode has none (the trusted-header chain). */
export interface Authenticator {
  readonly mode: Exclude<AuthMode, "headers">;
  authenticate(credentials: Credentials): Promise<VerifiedIdentity>;
}
