import { describe, expect, it } from "vitest";
import { createMemoryIdempotencyStore } from "../../app/idempotency/idempotency-store.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

const answer = (bytes: number) => ({ status: 200, headers: {}, body: "x".repeat(bytes) });

describe("the in-process Idempotency-Key store's per-tenant budget", () => {
  it("lets one tenant's large answers evict only its own records, never another tenant's", async () => {
    const store = createMemoryIdempotencyStore({
      ttlS: 3600,
      perTenant: { maxEntries: 100, maxBytes: 100_000 },
      maxBytes: 10_000_000,
    });
    await store.begin("tenant-a", "a-key", "fp", 30);
    await store.complete("tenant-a", "a-key", "fp", answer(1_000));
    // Tenant B records seven answers of 40 kB: far past its budget, so it evicts its own oldest.
    for (let i = 0; i < 7; i++) {
      await store.begin("tenant-b", `b-${i}`, "fp", 30);
      await store.complete("tenant-b", `b-${i}`, "fp", answer(40_000));
    }
    expect(await store.begin("tenant-a", "a-key", "fp", 30)).toMatchObject({
      claimed: false,
      record: { state: "completed", response: { body: "x".repeat(1_000) } },
    });
    expect((await store.begin("tenant-b", "b-0", "fp", 30)).claimed).toBe(true);
    expect((await store.begin("tenant-b", "b-6", "fp", 30)).claimed).toBe(false);
  });

  it("keeps an answer too large to hold by its fingerprint only, and says so on a retry", async () => {
    const store = createMemoryIdempotencyStore({ ttlS: 3600, maxAnswerBytes: 10_000 });
    await store.begin("t", "big", "fp", 30);
    await store.complete("t", "big", "fp", answer(50_000));
    expect(await store.begin("t", "big", "fp", 30)).toEqual({
      claimed: false,
      record: { state: "withheld", fingerprint: "fp", status: 200, bytes: 50_000 },
    });
  });

  it("answers a retry of a withheld answer 409 idempotency_answer_withheld, and runs nothing again", async () => {
    const { app } = await buildTestApp({
      idempotencyStore: createMemoryIdempotencyStore({ ttlS: 3600, maxAnswerBytes: 100 }),
    });
    const headers = { "Idempotency-Key": "big-answer", "X-Tenant-ID": "11111111-1111-4111-8111-111111111111" };
    const vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nwe ship on friday\n";
    expect((await postUpload(app, uploadForm(vtt, "a.vtt"), headers)).status).toBe(200);
    const retry = await postUpload(app, uploadForm(vtt, "a.vtt"), headers);
    expect(retry.status).toBe(409);
    expect(await retry.json()).toMatchObject({ code: "idempotency_answer_withheld", answered_status: 200 });
  });
});
