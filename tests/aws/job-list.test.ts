import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobRecord } from "../../app/jobs/job-record.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { resetMoto } from "../support/moto.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

function job(tenantId: string, at: Date, status: JobRecord["status"]): JobRecord {
  const id = randomUUID();
  return {
    tenantId,
    interactionId: id,
    userId: "u",
    accountId: null,
    status,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    attempts: 1,
    uploadKey: `uploads/${tenantId}/${id}`,
    uploadBytes: 1,
    detected: { kind: "audio", mime: "audio/wav" },
    ...(status === "failed" && { error: { code: "empty_transcript", message: "No speech.", stage: "validation" } }),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
}

describe("listing jobs against moto_server", () => {
  let harness: JobHarness;
  beforeEach(async () => {
    await resetMoto();
    harness = await startJobHarness();
  });
  afterEach(() => harness.stop());

  const list = async (query: string, tenant = TENANT) => {
    const response = await harness.app.request(`/batch/jobs${query}`, { headers: { "X-Tenant-ID": tenant } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("fills a filtered page: the failed jobs among many are on the first page, and the cursor goes on after them", async () => {
    const start = Date.now() - 1_000_000;
    // Three failed jobs, the oldest, under 60 queued ones: an unfiltered read of 2 would find none of them.
    for (let i = 0; i < 63; i++)
      await harness.store.create(job(TENANT, new Date(start + i * 1000), i < 3 ? "failed" : "queued"));
    const first = await list("?status=failed&limit=2");
    expect(first.status).toBe(200);
    expect((first.body.jobs as unknown[]).length).toBe(2);
    const cursor = String(first.body.next_cursor);
    const second = await list(`?status=failed&limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect((second.body.jobs as Array<{ status: string }>).map((listed) => listed.status)).toEqual(["failed"]);
    // A page of 100 unfiltered jobs, then the rest.
    const all = await list("?limit=100");
    expect((all.body.jobs as unknown[]).length).toBe(63);
  });

  it("refuses a cursor that was altered, made by hand, or issued to another tenant", async () => {
    for (let i = 0; i < 3; i++) await harness.store.create(job(TENANT, new Date(Date.now() - i * 1000), "queued"));
    const first = await list("?limit=1");
    const cursor = String(first.body.next_cursor);
    const [payload, signature] = cursor.split(".");
    const forged = [
      `${payload}.${signature!.slice(0, -2)}AA`,
      `${Buffer.from(JSON.stringify({ tenant_id: TENANT, job_id: randomUUID(), created_key: "" })).toString("base64url")}.${signature}`,
      Buffer.from(JSON.stringify({ tenant_id: TENANT, job_id: "x".repeat(1400), created_key: "" })).toString(
        "base64url",
      ),
      "",
    ];
    for (const tampered of forged) {
      const refused = await list(`?limit=1&cursor=${encodeURIComponent(tampered)}`);
      expect(refused.status, tampered.slice(0, 40)).toBe(400);
      expect(refused.body).toMatchObject({ code: "invalid_query", parameter: "cursor" });
    }
    expect((await list(`?limit=1&cursor=${encodeURIComponent(cursor)}`, OTHER)).status).toBe(400);
    expect((await list(`?limit=1&cursor=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });
});
