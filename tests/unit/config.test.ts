import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../../app/config.js";
import { runScript } from "../support/run-script.js";

describe("loadConfig", () => {
  it("uses the documented defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.maxUploadBytes).toBe(2 * 1024 ** 3);
    expect(config.transcriptionProvider).toBe("deepgram");
    expect(config.deepgram).toMatchObject({ baseUrl: "https://api.deepgram.com", model: "nova-3", timeoutS: 900 });
    expect(config.openai).toMatchObject({ model: "gpt-4o", transcriptionModel: "whisper-1" });
    expect(config.cleaner).toBe("auto");
    expect(config.identityDefaults).toEqual({ tenantId: undefined, userId: undefined });
  });

  it("reads every variable it is given", () => {
    const config = loadConfig({
      PORT: "8080",
      MAX_UPLOAD_BYTES: "1000",
      TRANSCRIPTION_PROVIDER: "openai",
      DEEPGRAM_BASE_URL: "http://127.0.0.1:9/",
      OPENAI_API_KEY: "sk-x",
      CLEANER: "openai",
      MOCK_TENANT_ID: "00000000-0000-4000-8000-000000000000",
      MOCK_USER_ID: "ops@example.com",
    });
    expect(config).toMatchObject({ port: 8080, maxUploadBytes: 1000, transcriptionProvider: "openai", cleaner: "openai" });
    expect(config.deepgram.baseUrl).toBe("http://127.0.0.1:9/");
    expect(config.identityDefaults).toEqual({ tenantId: "00000000-0000-4000-8000-000000000000", userId: "ops@example.com" });
  });

  it("treats empty and blank values as unset", () => {
    expect(loadConfig({ PORT: "", DEEPGRAM_API_KEY: "  " })).toMatchObject({ port: 3000, deepgram: { apiKey: undefined } });
  });

  it.each([
    ["PORT", "eighty", /PORT: must be a whole number/],
    ["PORT", "70000", /PORT: must be at most 65535/],
    ["MAX_UPLOAD_BYTES", "0", /MAX_UPLOAD_BYTES: must be at least 1/],
    ["TRANSCRIPTION_PROVIDER", "whisper", /TRANSCRIPTION_PROVIDER/],
    ["DEEPGRAM_BASE_URL", "not a url", /DEEPGRAM_BASE_URL: must be an absolute URL/],
    ["MOCK_TENANT_ID", "tenant-1", /MOCK_TENANT_ID: must be a UUID v4/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL/],
    ["CLEANER", "openai", /CLEANER: openai needs OPENAI_API_KEY/],
  ])("refuses %s=%s, naming the variable", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it("logs whether keys are set, never the keys", () => {
    const logged = JSON.stringify(redactConfig(loadConfig({ DEEPGRAM_API_KEY: "dg-secret", OPENAI_API_KEY: "sk-secret" })));
    expect(logged).not.toContain("secret");
    expect(logged).toContain('"api_key_set":true');
  });

  it("stops the service at startup with exit code 1 and a message naming the variable", async () => {
    const result = await runScript("app/server.ts", [], { PORT: "eighty", DEEPGRAM_TIMEOUT_S: "-1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PORT: must be a whole number/);
    expect(result.stderr).toMatch(/DEEPGRAM_TIMEOUT_S/);
  });
});
