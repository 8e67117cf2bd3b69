import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../../app/config/config.js";
import { startServerProcess } from "../support/server-process.js";
import { runScript } from "../support/run-script.js";

describe("loadConfig", () => {
  it("uses the documented defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.maxUploadBytes).toBe(2 * 1024 ** 3);
    expect(config.maxTranscriptJsonBytes).toBe(64 * 1024 ** 2);
    expect(config.maxProviderAnswerBytes).toBe(128 * 1024 ** 2);
    expect(config.transcriptionProvider).toBe("deepgram");
    expect(config.deepgram).toMatchObject({ baseUrl: "https://api.deepgram.com", model: "nova-3", timeoutS: 900 });
    expect(config.openai).toMatchObject({
      transcriptionModel: "whisper-1",
      transcriptionFormat: "auto",
      timeoutS: 120,
    });
    expect(config.cleaner).toEqual({ choice: "auto", model: "gpt-4o", chunkChars: 4000, concurrency: 8 });
    expect(config.aws).toEqual({ region: "us-east-1", endpointUrl: undefined });
    expect(config.identityDefaults).toEqual({ tenantId: undefined, userId: undefined });
  });

  it("reads every variable it is given", () => {
    const config = loadConfig({
      PORT: "8080",
      MAX_UPLOAD_BYTES: "1000",
      MAX_PROVIDER_ANSWER_BYTES: "4096",
      TRANSCRIPTION_PROVIDER: "openai",
      DEEPGRAM_BASE_URL: "http://127.0.0.1:9/",
      OPENAI_API_KEY: "sk-x",
      CLEANER: "openai",
      MOCK_TENANT_ID: "00000000-0000-4000-8000-000000000000",
      MOCK_USER_ID: "ops@example.com",
    });
    expect(config).toMatchObject({
      port: 8080,
      maxUploadBytes: 1000,
      maxProviderAnswerBytes: 4096,
      transcriptionProvider: "openai",
      cleaner: { choice: "openai" },
    });
    expect(config.deepgram.baseUrl).toBe("http://127.0.0.1:9/");
    expect(config.identityDefaults).toEqual({
      tenantId: "00000000-0000-4000-8000-000000000000",
      userId: "ops@example.com",
    });
  });

  it("reads TRANSCRIPTION_MODELS as a list that must include the configured model", () => {
    expect(loadConfig({}).transcriptionModels).toEqual([]);
    expect(loadConfig({ TRANSCRIPTION_MODELS: " nova-3 , nova-3-medical,," }).transcriptionModels).toEqual([
      "nova-3",
      "nova-3-medical",
    ]);
    expect(() => loadConfig({ TRANSCRIPTION_MODELS: "nova-2" })).toThrowError(/TRANSCRIPTION_MODELS.*nova-3/);
    expect(() =>
      loadConfig({ TRANSCRIPTION_PROVIDER: "openai", TRANSCRIPTION_MODELS: "whisper-1,gpt-4o-transcribe" }),
    ).not.toThrow();
  });

  it("treats empty and blank values as unset", () => {
    expect(loadConfig({ PORT: "", DEEPGRAM_API_KEY: "  " })).toMatchObject({
      port: 3000,
      deepgram: { apiKey: undefined },
    });
  });

  it.each([
    ["PORT", "eighty", /PORT: must be a whole number/],
    ["PORT", "70000", /PORT: must be at most 65535/],
    ["MAX_UPLOAD_BYTES", "0", /MAX_UPLOAD_BYTES: must be at least 1/],
    ["MAX_TRANSCRIPT_JSON_BYTES", String(256 * 1024 ** 2 + 1), /MAX_TRANSCRIPT_JSON_BYTES: must be at most 268435456/],
    ["MAX_PROVIDER_ANSWER_BYTES", String(256 * 1024 ** 2 + 1), /MAX_PROVIDER_ANSWER_BYTES: must be at most 268435456/],
    ["MAX_PROVIDER_ANSWER_BYTES", "0", /MAX_PROVIDER_ANSWER_BYTES: must be at least 1/],
    ["TRANSCRIPTION_PROVIDER", "whisper", /TRANSCRIPTION_PROVIDER/],
    ["DEEPGRAM_BASE_URL", "not a url", /DEEPGRAM_BASE_URL: must be an absolute URL/],
    ["MOCK_TENANT_ID", "tenant-1", /MOCK_TENANT_ID: must be a UUID v4/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL/],
    ["CLEANER", "openai", /CLEANER: openai needs OPENAI_API_KEY/],
    ["AUTH_MODE", "jwt", /AUTH_MODE: jwt needs JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE/],
    ["AUTH_MODE", "api-key", /AUTH_MODE: api-key needs API_KEYS/],
    ["AUTH_MODE", "basic", /AUTH_MODE/],
    ["METRICS_TOKEN", "short", /METRICS_TOKEN: must be at least 16 characters/],
    ["UPLOAD_BUCKET", "Not_A_Bucket", /UPLOAD_BUCKET: must be an S3 bucket name/],
    ["WORKER_CONCURRENCY", "0", /WORKER_CONCURRENCY: must be at least 1/],
  ])("refuses %s=%s, naming the variable", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it.each([
    ["not JSON, without echoing the value", "bts_secret-key-pasted-by-mistake", /API_KEYS: must be a JSON array/],
    [
      "an entry without a sha256",
      JSON.stringify([{ id: "a", tenant_id: "11111111-1111-4111-8111-111111111111" }]),
      /API_KEYS\.0\.sha256/,
    ],
    [
      "a key's hash in upper case",
      JSON.stringify([{ id: "a", sha256: "A".repeat(64), tenant_id: "11111111-1111-4111-8111-111111111111" }]),
      /sha256 must be 64 lower-case hex digits/,
    ],
    [
      "a tenant that is not a UUID v4",
      JSON.stringify([{ id: "a", sha256: "a".repeat(64), tenant_id: "acme" }]),
      /tenant_id must be a UUID v4/,
    ],
    [
      "two entries with one id",
      JSON.stringify(
        [0, 1].map(() => ({ id: "a", sha256: "a".repeat(64), tenant_id: "11111111-1111-4111-8111-111111111111" })),
      ),
      /ids must be unique/,
    ],
    ["no entries", "[]", /at least one key/],
  ])("refuses API_KEYS with %s", (_name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ AUTH_MODE: "api-key", API_KEYS: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("secret");
  });

  it("reads the verified modes' settings, and logs key ids but never hashes or tokens", () => {
    const jwt = loadConfig({
      AUTH_MODE: "jwt",
      JWT_JWKS_URL: "https://issuer.test/jwks.json",
      JWT_ISSUER: "https://issuer.test/",
      JWT_AUDIENCE: "api",
    });
    expect(jwt.auth).toEqual({
      mode: "jwt",
      jwt: {
        jwksUrl: "https://issuer.test/jwks.json",
        issuer: "https://issuer.test/",
        audience: "api",
        tenantClaim: "tenant_id",
        accountClaim: undefined,
        clockSkewS: 30,
      },
    });
    const keys = loadConfig({
      AUTH_MODE: "api-key",
      API_KEYS: JSON.stringify([
        { id: "ci", sha256: "b".repeat(64), tenant_id: "11111111-1111-4111-8111-11111111111A" },
      ]),
      METRICS_TOKEN: "metrics-secret-token",
    });
    expect(keys.auth).toMatchObject({
      mode: "api-key",
      apiKeys: [{ id: "ci", tenant_id: "11111111-1111-4111-8111-11111111111a" }],
    });
    const logged = JSON.stringify(redactConfig(keys));
    expect(logged).toContain('"key_ids":["ci"]');
    expect(logged).not.toContain("b".repeat(64));
    expect(logged).not.toContain("metrics-secret-token");
    expect(loadConfig({}).auth).toEqual({ mode: "headers" });
  });

  it("logs whether keys are set, never the keys", () => {
    const logged = JSON.stringify(
      redactConfig(loadConfig({ DEEPGRAM_API_KEY: "dg-secret", OPENAI_API_KEY: "sk-secret" })),
    );
    expect(logged).not.toContain("secret");
    expect(logged).toContain('"api_key_set":true');
  });

  it("stops the service at startup with exit code 1 and a message naming the variable", async () => {
    const result = await runScript("app/server.ts", [], { PORT: "eighty", DEEPGRAM_TIMEOUT_S: "-1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PORT: must be a whole number/);
    expect(result.stderr).toMatch(/DEEPGRAM_TIMEOUT_S/);
  });

  it("warns at startup in production that identity is not verified in headers mode", async () => {
    const server = await startServerProcess({ NODE_ENV: "production" });
    try {
      expect(
        server.logs.find((line) => line.msg?.toString().startsWith("AUTH_MODE=headers: identity is not verified")),
      ).toMatchObject({ level: "warn" });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
