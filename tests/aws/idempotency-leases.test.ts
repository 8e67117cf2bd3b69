import { beforeEach, describe, expect, it } from "vitest";
import { createDynamoIdempotencyStore } from "../../app/idempotency/dynamo-idempotency-store.js";
import { provisionLocalJobs } from "../../tools/local-job-provisioner.js";
import { jobNames } from "../../infra/job-settings.js";
import { awsClients, resetMoto } from "../support/moto.js";

const TENANT = "11111111-1111-4111-8111-111111111111";

describe("Idempotency-Key claims are leases (DynamoDB on moto_server)", () => {
  let store: ReturnType<typeof createDynamoIdempotencyStore>;
  beforeEach(async () => {
    await resetMoto();
    const clients = awsClients();
    const outputs = await provisionLocalJobs({ ...clients, names: jobNames({ prefix: "lease" }) });
    store = createDynamoIdempotencyStore(clients.dynamodb, outputs.idempotencyTableName, { ttlS: 3600 });
  });

  it("frees a crashed instance's key within one lease, while a running request's renewed key stays held", async () => {
    // Two claims of a 1 s lease: one instance dies (nobody renews), the other's request runs on and renews.
    expect(await store.begin(TENANT, "crashed", "fp", 1)).toEqual({ claimed: true });
    expect(await store.begin(TENANT, "running", "fp", 1)).toEqual({ claimed: true });
    await store.renew(TENANT, "running", "fp", 60);
    // Within the lease a retry is told to wait (409 at the edge).
    expect((await store.begin(TENANT, "crashed", "fp", 1)).claimed).toBe(false);
    // Once the lease has run out, the retry claims the crashed key (and only one retry does).
    await expect
      .poll(async () => (await store.begin(TENANT, "crashed", "fp", 1)).claimed, { timeout: 15_000, interval: 250 })
      .toBe(true);
    expect((await store.begin(TENANT, "crashed", "fp", 1)).claimed).toBe(false);
    // The renewed one is still held.
    expect((await store.begin(TENANT, "running", "fp", 1)).claimed).toBe(false);
  });

  it("does not renew a claim that another fingerprint holds", async () => {
    expect(await store.begin(TENANT, "theirs", "fp-a", 1)).toEqual({ claimed: true });
    await store.renew(TENANT, "theirs", "fp-b", 60);
    await expect
      .poll(async () => (await store.begin(TENANT, "theirs", "fp-a", 1)).claimed, { timeout: 15_000, interval: 250 })
      .toBe(true);
  });
});
