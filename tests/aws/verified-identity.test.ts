import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createJwtAuthenticator } from "../../app/auth/jwt-authenticator.js";
import { JWT_AUDIENCE, JWT_ISSUER, startJwksServer } from "../support/jwks-server.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { postUpload, uploadForm } from "../support/test-app.js";

const TENANT_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const TENANT_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

describe("AUTH_MODE=jwt end to end, on moto_server", () => {
  let issuer: Awaited<ReturnType<typeof startJwksServer>>;
  let harness: JobHarness;
  const tokenFor = (tenant: string) => issuer.sign({ sub: `user-of-${tenant.slice(0, 4)}`, tenant_id: tenant });

  beforeAll(async () => {
    issuer = await startJwksServer();
  });
  afterAll(() => issuer.close());
  beforeEach(async () => {
    await resetMoto();
    harness = await startJobHarness({
      authenticator: createJwtAuthenticator({
        jwksUrl: issuer.jwksUrl,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        tenantClaim: "tenant_id",
        clockSkewS: 5,
      }),
    });
  });
  afterEach(() => harness.stop());

  it("with a token for tenant A the event on the queue names tenant A; another X-Tenant-ID is 403; no token is 401", async () => {
    const authorization = `Bearer ${await tokenFor(TENANT_A)}`;
    const ok = await postUpload(harness.app, uploadForm("we ship on friday", "notes.txt"), {
      Authorization: authorization,
    });
    expect(ok.status).toBe(200);
    const { interaction_id: id } = (await ok.json()) as { interaction_id: string };
    const forbidden = await postUpload(harness.app, uploadForm("we ship on friday", "notes.txt"), {
      Authorization: authorization,
      "X-Tenant-ID": TENANT_B,
    });
    expect(forbidden.status).toBe(403);
    expect((await postUpload(harness.app, uploadForm("we ship on friday", "notes.txt"))).status).toBe(401);
    const events = (await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 })).map(
      (message) =>
        (JSON.parse(message.Body!) as { detail: { interaction_id: string; tenant_id: string; user_id: string } })
          .detail,
    );
    expect(events).toEqual([
      expect.objectContaining({ interaction_id: id, tenant_id: TENANT_A, user_id: "user-of-aaaa" }),
    ]);
  });

  it("an async job belongs to the token's tenant: its record, its upload key, and reads by another tenant's token are 404", async () => {
    harness.startWorker();
    const submitted = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm("the budget is approved", "notes.txt"),
      headers: { Authorization: `Bearer ${await tokenFor(TENANT_A)}` },
    });
    expect(submitted.status).toBe(202);
    const { interaction_id: id } = (await submitted.json()) as { interaction_id: string };
    expect(await harness.store.get(TENANT_A, id)).toMatchObject({
      tenantId: TENANT_A,
      uploadKey: `uploads/${TENANT_A}/${id}`,
    });
    const job = await harness.finished(`/batch/jobs/${id}`, { Authorization: `Bearer ${await tokenFor(TENANT_A)}` });
    expect(job).toMatchObject({ status: "completed", tenant_id: TENANT_A });
    const other = await harness.app.request(`/batch/jobs/${id}`, {
      headers: { Authorization: `Bearer ${await tokenFor(TENANT_B)}` },
    });
    expect(other.status).toBe(404);
  });
});
