import { capturingPublisher } from "../support/capturing-publisher.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnsecuredJWT } from "jose";
import { createApiKeyAuthenticator, sha256Hex } from "../../app/auth/api-key-authenticator.js";
import { createJwtAuthenticator } from "../../app/auth/jwt-authenticator.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { JWT_AUDIENCE, JWT_ISSUER, startJwksServer } from "../support/jwks-server.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const TENANT_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const TENANT_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe("AUTH_MODE=jwt", () => {
  let issuer: Awaited<ReturnType<typeof startJwksServer>>;
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  const captured = capturingPublisher();
  const metrics = createMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    issuer = await startJwksServer();
    built = await buildTestApp({
      publisher: captured.publisher,
      metrics,
      jobs: memoryJobs(),
      authenticator: createJwtAuthenticator({
        jwksUrl: issuer.jwksUrl,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        tenantClaim: "tenant_id",
        accountClaim: "org",
        clockSkewS: 5,
        jwksCooldownMs: 0,
      }),
    });
  });
  afterAll(() => issuer.close());

  it("takes tenant, user and account from a valid token: the event names the token's tenant, whatever the headers said of the user", async () => {
    const token = await issuer.sign({ sub: "ana@example.com", tenant_id: TENANT_A, org: "acme" });
    const response = await postUpload(built.app, uploadForm("we ship on friday", "notes.txt"), {
      ...bearer(token),
      "X-User-ID": "mallory",
    });
    expect(response.status).toBe(200);
    const { interaction_id: id } = (await response.json()) as { interaction_id: string };
    expect(captured.details.find((detail) => detail.interaction_id === id)).toMatchObject({
      tenant_id: TENANT_A,
      user_id: "ana@example.com",
      account_id: "acme",
    });
    const matching = await postUpload(built.app, uploadForm("again", "notes.txt"), {
      ...bearer(token),
      "X-Tenant-ID": TENANT_A.toUpperCase(),
    });
    expect(matching.status).toBe(200);
  });

  it("answers 403 tenant_mismatch when X-Tenant-ID names another tenant than the token", async () => {
    const token = await issuer.sign({ sub: "ana", tenant_id: TENANT_A });
    const response = await postUpload(built.app, uploadForm("hello", "notes.txt"), {
      ...bearer(token),
      "X-Tenant-ID": TENANT_B,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "tenant_mismatch", status: 403 });
  });

  it.each<[string, () => Promise<string>, string]>([
    [
      "expired",
      () => issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      "expired",
    ],
    [
      "not valid yet",
      () => issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { notBefore: "10m", expiresIn: "20m" }),
      "not_yet_valid",
    ],
    [
      "from another issuer",
      () => issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { issuer: "https://evil.test/" }),
      "wrong_issuer",
    ],
    [
      "for another audience",
      () => issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { audience: "someone-else" }),
      "wrong_audience",
    ],
    [
      "signed by a key the issuer does not publish",
      async () => issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { key: await issuer.unpublished() }),
      "unknown_key",
    ],
    [
      "alg none",
      () =>
        Promise.resolve(
          new UnsecuredJWT({ sub: "ana", tenant_id: TENANT_A })
            .setIssuer(JWT_ISSUER)
            .setAudience(JWT_AUDIENCE)
            .setExpirationTime("5m")
            .encode(),
        ),
      "malformed",
    ],
    [
      "with a payload changed after signing",
      async () => {
        const [head, , signature] = (await issuer.sign({ sub: "ana", tenant_id: TENANT_A })).split(".");
        const forged = Buffer.from(
          JSON.stringify({
            sub: "ana",
            tenant_id: TENANT_B,
            iss: JWT_ISSUER,
            aud: JWT_AUDIENCE,
            exp: Math.floor(Date.now() / 1000) + 300,
          }),
        ).toString("base64url");
        return `${head}.${forged}.${signature}`;
      },
      "invalid_signature",
    ],
    ["whose tenant claim is not a UUID v4", () => issuer.sign({ sub: "ana", tenant_id: "acme" }), "bad_claims"],
    ["with no subject", () => issuer.sign({ tenant_id: TENANT_A }), "bad_claims"],
    ["that is not a JWT at all", () => Promise.resolve("not-a-token"), "malformed"],
  ])("refuses a token %s with 401, WWW-Authenticate and the reason", async (_name, token, reason) => {
    const response = await postUpload(built.app, uploadForm("hello", "notes.txt"), bearer(await token()));
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toMatch(
      /^Bearer realm="batch-transcription", error="invalid_token"/,
    );
    expect(await response.json()).toMatchObject({ code: "unauthorized", auth_reason: reason });
  });

  it("refuses a request with no credential, or another scheme, with 401", async () => {
    const none = await postUpload(built.app, uploadForm("hello", "notes.txt"));
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toBe('Bearer realm="batch-transcription"');
    const basic = await postUpload(built.app, uploadForm("hello", "notes.txt"), {
      Authorization: "Basic YWxpY2U6c2VjcmV0",
    });
    expect(basic.status).toBe(401);
    expect(await basic.json()).toMatchObject({ auth_reason: "malformed" });
    for (const path of ["/batch/jobs", "/batch/jobs/11111111-1111-4111-8111-111111111111"]) {
      expect((await built.app.request(path)).status).toBe(401);
    }
  });

  it("picks up a rotated key without a restart", async () => {
    const before = issuer.fetches;
    const key = await issuer.rotate();
    const token = await issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { key });
    const response = await postUpload(built.app, uploadForm("after rotation", "notes.txt"), bearer(token));
    expect(response.status).toBe(200);
    expect(issuer.fetches).toBeGreaterThan(before);
  });

  it("answers 503 auth_unavailable, not 401, when the issuer's keys cannot be fetched", async () => {
    const key = await issuer.rotate();
    issuer.failWith(500);
    try {
      const response = await postUpload(
        built.app,
        uploadForm("hello", "notes.txt"),
        bearer(await issuer.sign({ sub: "ana", tenant_id: TENANT_A }, { key })),
      );
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: "auth_unavailable" });
    } finally {
      issuer.failWith(undefined);
    }
  });

  it("keeps health, readiness, metrics and the documents open, and declares the bearer scheme", async () => {
    for (const path of [
      "/healthz",
      "/readyz",
      "/metrics",
      "/openapi.json",
      "/schemas/batch-processing-failed.v1.json",
    ]) {
      expect((await built.app.request(path)).status, path).toBe(200);
    }
    const document = (await (await built.app.request("/openapi.json")).json()) as {
      security: unknown;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(document.security).toEqual([{ bearerJwt: [] }]);
    expect(document.components.securitySchemes.bearerJwt).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    expect(document.paths["/healthz"]?.get?.security).toEqual([]);
    expect(document.paths["/batch/process"]?.post?.security).toBeUndefined();
  });

  it("counts refusals by reason, and never logs a token", async () => {
    const text = await (await built.app.request("/metrics")).text();
    expect(text).toMatch(/batch_auth_failures_total\{reason="expired"\} 1/);
    expect(text).toMatch(/batch_auth_failures_total\{reason="missing"\} [1-9]/);
    expect(text).toMatch(/batch_auth_failures_total\{reason="tenant_mismatch"\} 1/);
    expect(built.logs.text()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(built.logs.lines.find((line) => line.msg === "credential verified")).toMatchObject({
      auth_mode: "jwt",
      credential_id: expect.stringMatching(/^jwt:/) as unknown,
    });
  });
});

describe("AUTH_MODE=api-key", () => {
  const KEY = "bts_test-key-for-tenant-a";
  const entries = [
    { id: "ci-a", sha256: sha256Hex(KEY), tenant_id: TENANT_A, user_id: "ci-bot" },
    { id: "ci-b", sha256: sha256Hex("bts_another"), tenant_id: TENANT_B },
  ];

  it("accepts the key as a bearer credential or as X-API-Key, and runs as its entry's tenant and user", async () => {
    const { publisher, details } = capturingPublisher();
    const { app, logs } = await buildTestApp({ publisher, authenticator: createApiKeyAuthenticator(entries) });
    for (const headers of [bearer(KEY), { "X-API-Key": KEY }]) {
      const response = await postUpload(app, uploadForm("hello there", "notes.txt"), headers);
      expect(response.status).toBe(200);
    }
    expect(details.map((detail) => [detail.tenant_id, detail.user_id])).toEqual([
      [TENANT_A, "ci-bot"],
      [TENANT_A, "ci-bot"],
    ]);
    expect(logs.text()).not.toContain(KEY);
    expect(logs.lines.find((line) => line.msg === "credential verified")).toMatchObject({
      credential_id: "api-key:ci-a",
    });
  });

  it("refuses an unknown key, and a key removed from the configuration", async () => {
    const { app } = await buildTestApp({ authenticator: createApiKeyAuthenticator(entries) });
    const unknown = await postUpload(app, uploadForm("hello", "notes.txt"), { "X-API-Key": "bts_guess" });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ auth_reason: "unknown_api_key" });
    const revoked = await buildTestApp({ authenticator: createApiKeyAuthenticator(entries.slice(1)) });
    expect((await postUpload(revoked.app, uploadForm("hello", "notes.txt"), bearer(KEY))).status).toBe(401);
  });

  it("keeps another tenant's job out of reach: a 404, as for a job that does not exist", async () => {
    const jobs = memoryJobs();
    const { app } = await buildTestApp({ jobs, authenticator: createApiKeyAuthenticator(entries) });
    const submitted = await app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm("hello", "notes.txt"),
      headers: { "X-API-Key": KEY },
    });
    expect(submitted.status).toBe(202);
    const location = submitted.headers.get("Location")!;
    expect((await app.request(location, { headers: { "X-API-Key": KEY } })).status).toBe(200);
    expect((await app.request(location, { headers: { "X-API-Key": "bts_another" } })).status).toBe(404);
    const listed = (await (await app.request("/batch/jobs", { headers: { "X-API-Key": "bts_another" } })).json()) as {
      jobs: unknown[];
    };
    expect(listed.jobs).toEqual([]);
  });
});
