import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { isUuidV4 } from "../domain/ids.js";
import { AuthenticationFailed, type AuthFailureReason, type Authenticator } from "./authenticator.js";

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The claim holding the tenant, a UUID v4. */
  tenantClaim: string;
  /** The claim holding the account, when there is one. */
  accountClaim?: string | undefined;
  clockSkewS: number;
  /** After a fetch, how long an unknown `kid` is refused before the JWKS is fetched again. */
  jwksCooldownMs?: number;
  /** How long a JWKS fetch may take. */
  jwksTimeoutMs?: number;
}

/** Asymmetric algorithms only: a JWKS of public keys cannot check an HMAC, and `none` is never a signature. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const MAX_SUBJECT_LENGTH = 256;

/**
 * `Authorization: Bearer <JWT>` verified with jose against the JWKS at `jwksUrl`: keys are cached and the set
 * is fetched again when a token names a `kid` it does not hold (key rotation needs no restart). Issuer,
 * audience, `exp` and `nbf` (with `clockSkewS`) are checked; the tenant comes from `tenantClaim`, the user
 * from `sub`, the account from `accountClaim`.
 */
export function createJwtAuthenticator(options: JwtOptions): Authenticator {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
  });

  function identityFrom(payload: JWTPayload, kid: string | undefined) {
    const tenant = payload[options.tenantClaim];
    if (typeof tenant !== "string" || !isUuidV4(tenant)) {
      throw new AuthenticationFailed("bad_claims", `The token's ${options.tenantClaim} claim is not a UUID v4.`);
    }
    const subject = payload.sub;
    if (typeof subject !== "string" || subject === "" || subject.length > MAX_SUBJECT_LENGTH) {
      throw new AuthenticationFailed("bad_claims", "The token has no usable sub claim.");
    }
    const account = options.accountClaim === undefined ? undefined : payload[options.accountClaim];
    if (
      account !== undefined &&
      (typeof account !== "string" || account === "" || account.length > MAX_SUBJECT_LENGTH)
    ) {
      throw new AuthenticationFailed(
        "bad_claims",
        `The token's ${options.accountClaim} claim is not a usable account id.`,
      );
    }
    return {
      tenantId: tenant.toLowerCase(),
      userId: subject,
      accountId: account ?? null,
      credentialId: `jwt:${kid ?? "no-kid"}:${subject}`,
    };
  }

  return {
    mode: "jwt",
    async authenticate({ bearer }) {
      if (bearer === undefined) throw new AuthenticationFailed("missing", "Send a token as Authorization: Bearer.");
      try {
        const { payload, protectedHeader } = await jwtVerify(bearer, jwks, {
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockSkewS,
          algorithms: ALGORITHMS,
          requiredClaims: ["exp", "sub"],
        });
        return identityFrom(payload, protectedHeader.kid);
      } catch (error) {
        if (error instanceof AuthenticationFailed) throw error;
        const reason = reasonOf(error);
        throw new AuthenticationFailed(reason, MESSAGES[reason], { cause: error });
      }
    },
  };
}

const MESSAGES: Record<AuthFailureReason, string> = {
  missing: "Send a token as Authorization: Bearer.",
  malformed: "The token is not a well-formed signed JWT.",
  invalid_signature: "The token's signature does not verify.",
  expired: "The token has expired.",
  not_yet_valid: "The token is not valid yet.",
  wrong_issuer: "The token was issued by another issuer.",
  wrong_audience: "The token is for another audience.",
  unknown_key: "The token was signed with a key the issuer does not publish.",
  bad_claims: "The token's claims do not name a tenant and a user.",
  unknown_api_key: "The API key is not valid.",
  verifier_unavailable: "The issuer's keys could not be fetched; try again shortly.",
  tenant_mismatch: "X-Tenant-ID names another tenant than the credential.",
};

function reasonOf(error: unknown): AuthFailureReason {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return "not_yet_valid";
    if (error.claim === "iss") return "wrong_issuer";
    if (error.claim === "aud") return "wrong_audience";
    return "bad_claims";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "invalid_signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return "unknown_key";
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported
  ) {
    return "malformed";
  }
  // What is left is the key set's side: a timeout, an error status, a body that is no JWKS, no network.
  return "verifier_unavailable";
}
