import { describe, expect, it } from "vitest";
import { createApiKeyAuthenticator, sha256Hex } from "../../app/auth/api-key-authenticator.js";
import { FUZZ_API_KEY } from "../support/fuzz-cases.js";
import { runFuzz } from "../support/fuzz-requests.js";

describe("fuzzed requests against a real listening server", () => {
  it("answers every one of a few hundred generated requests, every refusal as problem+json, none with a 5xx, and stays alive", async () => {
    const report = await runFuzz({ cases: 300 });
    expect(report.failures).toEqual([]);
    expect(Object.values(report.byStatus).reduce((total, count) => total + count, 0)).toBe(300);
    expect(report.aliveAfter).toBe(true);
    expect(report.leftoverUploads).toEqual([]);
  }, 120_000);

  it("does the same for reads of jobs: lists, cursors, ids, subtitles and deletes with any query", async () => {
    const report = await runFuzz({ cases: 200, path: "job reads" });
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.byStatus)).toEqual(expect.arrayContaining(["200", "400", "404"]));
    expect(report.aliveAfter).toBe(true);
  }, 120_000);

  it("does the same when the server verifies API keys: credentials missing, wrong, near misses or right", async () => {
    const authenticator = createApiKeyAuthenticator([
      { id: "fuzz", sha256: sha256Hex(FUZZ_API_KEY), tenant_id: "11111111-1111-4111-8111-111111111111" },
    ]);
    for (const path of ["/batch/process", "job reads"] as const) {
      const report = await runFuzz({ cases: 200, path, authenticator });
      expect(report.failures).toEqual([]);
      expect(report.byStatus["401"]).toBeGreaterThan(0);
      expect(report.aliveAfter).toBe(true);
      expect(report.leftoverUploads).toEqual([]);
    }
  }, 120_000);

  it("does the same for answers sent back for subtitles, POST /batch/subtitles: any JSON, or none", async () => {
    const report = await runFuzz({ cases: 200, path: "/batch/subtitles" });
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.byStatus)).toEqual(expect.arrayContaining(["200", "400", "422"]));
    expect(report.aliveAfter).toBe(true);
    expect(report.leftoverUploads).toEqual([]);
  }, 120_000);

  it("does the same for the async submission, POST /batch/jobs", async () => {
    const report = await runFuzz({ cases: 150, path: "/batch/jobs" });
    expect(report.failures).toEqual([]);
    expect(report.byStatus["202"]).toBeGreaterThan(0);
    expect(report.aliveAfter).toBe(true);
  }, 120_000);
});
