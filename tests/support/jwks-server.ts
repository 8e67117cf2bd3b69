import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from "jose";
import { listenOnLoopback, sendJson } from "./local-server.js";

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

export const JWT_ISSUER = "https://issuer.test/";
export const JWT_AUDIENCE = "batch-transcription";

async function newKey(alg: SigningKey["alg"] = "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = randomUUID();
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/**
 * An issuer for tests: a local JWKS endpoint publishing real public keys made by jose, and a signer with
 * their private keys. `rotate()` publishes a new key (as an issuer rotating its keys would); `unpublished()`
 * gives a key the endpoint never serves; `failWith(status)` makes the endpoint answer an error.
 */
export async function startJwksServer() {
  const keys: SigningKey[] = [await newKey()];
  let failure: number | undefined;
  let fetches = 0;
  const local = await listenOnLoopback((request, response) => {
    fetches += 1;
    if (failure !== undefined) return sendJson(response, failure, { error: "unavailable" });
    if (request.url !== "/.well-known/jwks.json") return sendJson(response, 404, { error: "not found" });
    sendJson(response, 200, { keys: keys.map((key) => key.publicJwk) });
  });

  async function sign(
    claims: JWTPayload,
    options: {
      key?: SigningKey;
      expiresIn?: string | number;
      notBefore?: string | number;
      issuer?: string;
      audience?: string;
    } = {},
  ) {
    const key = options.key ?? keys.at(-1)!;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuedAt()
      .setIssuer(options.issuer ?? JWT_ISSUER)
      .setAudience(options.audience ?? JWT_AUDIENCE)
      .setExpirationTime(options.expiresIn ?? "5m");
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(key.privateKey);
  }

  return {
    ...local,
    jwksUrl: `${local.url}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    sign,
    async rotate(): Promise<SigningKey> {
      const key = await newKey("RS256");
      keys.push(key);
      return key;
    },
    unpublished: () => newKey(),
    failWith(status: number | undefined) {
      failure = status;
    },
  };
}
