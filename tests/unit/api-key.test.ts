import { createHash } from "node:crypto";
import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createApiKeyAuthenticator, sha256Hex } from "../../app/auth/api-key-authenticator.js";
import { loadConfig } from "../../app/config/config.js";
import { runScript } from "../support/run-script.js";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const TENANT = "11111111-1111-4111-8111-111111111111";

describe("API keys", () => {
  it("compares the presented key's hash with every entry in constant time, whichever matches", async () => {
    const entries = ["a", "b", "c"].map((id) => ({ id, sha256: sha256Hex(`bts_${id}`), tenant_id: TENANT }));
    const authenticator = createApiKeyAuthenticator(entries);
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    await expect(authenticator.authenticate({ apiKey: "bts_a" })).resolves.toMatchObject({
      tenantId: TENANT,
      credentialId: "api-key:a",
    });
    expect(spy).toHaveBeenCalledTimes(3);
    spy.mockClear();
    await expect(authenticator.authenticate({ bearer: "bts_nope" })).rejects.toMatchObject({
      reason: "unknown_api_key",
    });
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it("npm run api-key prints a new key once and the entry that accepts it", async () => {
    const result = await runScript("scripts/api-key.ts", ["--tenant", TENANT, "--user", "ci-bot", "--id", "ci"], {});
    expect(result.code).toBe(0);
    const key = /API key \(shown once; give it to the client now\): (bts_[A-Za-z0-9_-]{43})/.exec(result.stdout)?.[1];
    const entry = JSON.parse(/Entry for API_KEYS \(add it to the JSON array\): (.*)/.exec(result.stdout)![1]!) as {
      sha256: string;
    };
    expect(key).toBeDefined();
    expect(entry).toEqual({
      id: "ci",
      sha256: createHash("sha256").update(key!).digest("hex"),
      tenant_id: TENANT,
      user_id: "ci-bot",
    });
    const config = loadConfig({ AUTH_MODE: "api-key", API_KEYS: JSON.stringify([entry]) });
    if (config.auth.mode !== "api-key") throw new Error("expected api-key mode");
    await expect(createApiKeyAuthenticator(config.auth.apiKeys).authenticate({ apiKey: key })).resolves.toMatchObject({
      tenantId: TENANT,
      userId: "ci-bot",
    });
  });

  it("npm run api-key -- --help prints usage and exits 0; a bad tenant or an unknown option exits 64", async () => {
    const help = await runScript("scripts/api-key.ts", ["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run api-key/);
    for (const args of [["--tenant", "acme"], ["--bogus"], []]) {
      const refused = await runScript("scripts/api-key.ts", args, {});
      expect(refused.code, args.join(" ")).toBe(64);
      expect(refused.stderr).toMatch(/Usage: npm run api-key/);
    }
  });
});
