import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Consumer } from "sqs-consumer";
import type { EventPublisher } from "../../app/events/event-publisher.js";
import type { JobStore } from "../../app/jobs/job-store.js";
import type { ObjectStore } from "../../app/storage/object-store.js";
import { collectingConsumer } from "../support/collecting-consumer.js";
import { startJobHarness, submitJob, type JobHarness, type WorkerPorts } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { uploadForm } from "../support/test-app.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const OTHER_TENANT = "22222222-2222-4222-8222-222222222222";
const asTenant = (tenant = TENANT) => ({ "X-Tenant-ID": tenant });

class InjectedCrash extends Error {
  override readonly name = "InjectedCrash";
}

/** Replaces one method of a port so that its first `times` calls (for a job) throw, as a worker killed there would stop. */
function crashing<T extends object, K extends keyof T>(
  port: T,
  method: K,
  times: number,
  when: (...args: unknown[]) => boolean = () => true,
): T {
  let left = times;
  const original = port[method] as (...args: unknown[]) => unknown;
  return {
    ...port,
    [method]: (...args: unknown[]) => {
      if (left > 0 && when(...args)) {
        left -= 1;
        return Promise.reject(new InjectedCrash(`crashed in ${String(method)}`));
      }
      return original.apply(port, args);
    },
  };
}

const submitText = (harness: JobHarness, text: string, tenant = TENANT) =>
  submitJob(harness, text, "notes.txt", tenant);

describe("a worker that dies mid-job, and jobs that keep failing", () => {
  let harness: JobHarness;
  let consumer: Consumer | undefined;
  beforeEach(async () => {
    await resetMoto();
  });
  afterEach(async () => {
    consumer?.stop({ abort: true });
    await harness.stop();
  });

  it.each<[string, (ports: WorkerPorts) => WorkerPorts]>([
    [
      "before transcription",
      (ports) => ({ ...ports, objects: crashing<ObjectStore, "getBytes">(ports.objects, "getBytes", 1) }),
    ],
    [
      "after transcription, before the result is written",
      (ports) => ({ ...ports, objects: crashing<ObjectStore, "putJson">(ports.objects, "putJson", 1) }),
    ],
    [
      "after the result write, before publishing",
      (ports) => ({ ...ports, publisher: crashing<EventPublisher, "publish">(ports.publisher, "publish", 1) }),
    ],
    [
      "after publishing, before the job is marked completed",
      (ports) => ({ ...ports, store: crashing<JobStore, "complete">(ports.store, "complete", 1) }),
    ],
  ])(
    "crashes %s: the message comes back, the job completes, and the consumer handles its event once",
    async (_stage, wrap) => {
      harness = await startJobHarness();
      harness.startWorker(wrap);
      const id = await submitText(harness, "um so we ship on friday");
      const job = await harness.finished(`/batch/jobs/${id}`, asTenant());
      expect(job).toMatchObject({
        status: "completed",
        attempts: 2,
        cleaned_transcript: expect.stringMatching(/ship on friday/i) as unknown,
      });
      expect(
        harness.workerLogs.lines.filter((line) => line.msg === "job attempt failed; message will be delivered again"),
      ).toHaveLength(1);

      const collected = collectingConsumer(harness.clients, harness.events.queueUrl);
      consumer = collected.consumer;
      const { handled } = collected;
      await expect.poll(() => handled.length, { timeout: 10_000 }).toBe(1);
      expect(handled[0]).toMatchObject({ "detail-type": "BatchProcessingCompleted", detail: { interaction_id: id } });
      // Nothing is left on the work queue: the message was deleted once the job was completed.
      expect(await drainQueue(harness.clients.sqs, harness.outputs.workQueueUrl, { waitMs: 300 })).toEqual([]);
    },
    40_000,
  );

  it("publishes again when the crash came after publishing: duplicated, never lost", async () => {
    harness = await startJobHarness();
    harness.startWorker((ports) => ({ ...ports, store: crashing<JobStore, "complete">(ports.store, "complete", 1) }));
    const id = await submitText(harness, "the budget is approved");
    await harness.finished(`/batch/jobs/${id}`, asTenant());
    const messages = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    const forJob = messages
      .map((m) => JSON.parse(m.Body!) as { detail: { interaction_id: string; status: string } })
      .filter((e) => e.detail.interaction_id === id);
    expect(forJob.length).toBe(2);
    expect(forJob.every((event) => event.detail.status === "completed")).toBe(true);
    // The result was found on the second attempt: transcribed once.
    expect(
      harness.workerLogs.lines.filter(
        (line) => line.msg === "result found from an earlier attempt; not transcribing again",
      ),
    ).toHaveLength(1);
  }, 40_000);

  it("a job whose result is already stored is not transcribed again", async () => {
    harness = await startJobHarness();
    harness.startWorker((ports) => ({
      ...ports,
      publisher: crashing<EventPublisher, "publish">(ports.publisher, "publish", 1),
    }));
    const id = await submitText(harness, "the budget is approved");
    await harness.finished(`/batch/jobs/${id}`, asTenant());
    expect(
      harness.workerLogs.lines.filter(
        (line) => line.msg === "result found from an earlier attempt; not transcribing again",
      ),
    ).toHaveLength(1);
  }, 40_000);

  it("a poison message: after 3 receives the job is failed with processing_failed, its event published, and the message dead-lettered", async () => {
    harness = await startJobHarness();
    harness.startWorker((ports) => ({
      ...ports,
      store: crashing<JobStore, "complete">(ports.store, "complete", Number.POSITIVE_INFINITY),
    }));
    const id = await submitText(harness, "this will never complete");
    const job = await harness.finished(`/batch/jobs/${id}`, asTenant(), 40_000);
    expect(job).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { code: "processing_failed", stage: "processing" },
    });
    await expect
      .poll(
        async () =>
          (await drainQueue(harness.clients.sqs, harness.outputs.workDlqUrl, { remove: false, waitMs: 500 })).length,
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    const events = (await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 })).map(
      (m) =>
        JSON.parse(m.Body!) as { "detail-type": string; detail: { interaction_id: string; error?: { code: string } } },
    );
    const failed = events.filter(
      (event) => event["detail-type"] === "BatchProcessingFailed" && event.detail.interaction_id === id,
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail.error).toMatchObject({ code: "processing_failed" });
  }, 60_000);

  it("a job finished under one claim is never overwritten by an older one, and a finished job is never reprocessed", async () => {
    harness = await startJobHarness();
    const id = await submitText(harness, "first come first served");
    const first = await harness.store.claim(TENANT, id, new Date());
    const second = await harness.store.claim(TENANT, id, new Date());
    expect([first?.attempts, second?.attempts]).toEqual([1, 2]);
    expect(await harness.store.complete(TENANT, id, 1, "results/x", new Date())).toBe(false);
    expect(await harness.store.complete(TENANT, id, 2, "results/x", new Date())).toBe(true);
    expect(
      await harness.store.fail(
        TENANT,
        id,
        { code: "provider_failed", message: "late", stage: "transcription" },
        new Date(),
      ),
    ).toBe(false);
    expect(await harness.store.claim(TENANT, id, new Date())).toBeUndefined();
    expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("if the work message cannot be sent, the client gets 503 and neither the record nor the upload is left", async () => {
    harness = await startJobHarness({
      api: (ports) => ({ ...ports, queue: { send: () => Promise.reject(new Error("queue is down")) } }),
    });
    const response = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm("hello there", "notes.txt"),
      headers: asTenant(),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ code: "storage_unavailable" });
    const id = response.headers.get("X-Interaction-ID")!;
    expect(await harness.store.get(TENANT, id)).toBeUndefined();
    expect(await harness.objects.exists(`uploads/${TENANT}/${id}`)).toBe(false);
  });

  it("if the job record cannot be written, the client gets 503 and the upload is removed", async () => {
    harness = await startJobHarness({
      api: (ports) => ({
        ...ports,
        store: { ...ports.store, create: () => Promise.reject(new Error("table is down")) },
      }),
    });
    const response = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm("hello there", "notes.txt"),
      headers: asTenant(),
    });
    expect(response.status).toBe(503);
    const id = response.headers.get("X-Interaction-ID")!;
    expect(await harness.objects.exists(`uploads/${TENANT}/${id}`)).toBe(false);
    expect(await drainQueue(harness.clients.sqs, harness.outputs.workQueueUrl, { waitMs: 300 })).toEqual([]);
  });
});

describe("tenant isolation and listing", () => {
  let harness: JobHarness;
  beforeEach(async () => {
    await resetMoto();
    harness = await startJobHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("another tenant's job is a 404, the same as one that does not exist; the list shows only the caller's", async () => {
    const mine = await submitText(harness, "my meeting");
    const theirs = await submitText(harness, "their meeting", OTHER_TENANT);
    const crossed = await harness.app.request(`/batch/jobs/${theirs}`, { headers: asTenant() });
    const missing = await harness.app.request(`/batch/jobs/${crypto.randomUUID()}`, { headers: asTenant() });
    const malformed = await harness.app.request(`/batch/jobs/not-a-uuid`, { headers: asTenant() });
    for (const response of [crossed, missing, malformed]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: "not_found" });
    }
    const list = (await (await harness.app.request("/batch/jobs", { headers: asTenant() })).json()) as {
      jobs: Array<{ interaction_id: string }>;
    };
    expect(list.jobs.map((job) => job.interaction_id)).toEqual([mine]);
    expect((await harness.app.request(`/batch/jobs/${mine}`, { headers: asTenant() })).status).toBe(200);
  });

  it("pages newest first with a cursor, filters by status, and refuses a forged or foreign cursor", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await submitText(harness, `meeting ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = (await (await harness.app.request(`/batch/jobs${query}`, { headers: asTenant() })).json()) as {
        jobs: Array<{ interaction_id: string }>;
        next_cursor: string | null;
      };
      seen.push(...page.jobs.map((job) => job.interaction_id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([...ids].reverse());

    const queued = (await (await harness.app.request("/batch/jobs?status=queued", { headers: asTenant() })).json()) as {
      jobs: unknown[];
    };
    expect(queued.jobs).toHaveLength(5);
    const completed = (await (
      await harness.app.request("/batch/jobs?status=completed", { headers: asTenant() })
    ).json()) as { jobs: unknown[] };
    expect(completed.jobs).toEqual([]);

    const firstPage = (await (await harness.app.request("/batch/jobs?limit=1", { headers: asTenant() })).json()) as {
      next_cursor: string;
    };
    for (const [query, headers] of [
      [`?cursor=${firstPage.next_cursor}`, asTenant(OTHER_TENANT)],
      ["?cursor=bm90LWpzb24", asTenant()],
      [`?cursor=${"A".repeat(5000)}`, asTenant()],
      ["?status=done", asTenant()],
      ["?limit=0", asTenant()],
      ["?limit=1000", asTenant()],
      ["?limit=-1", asTenant()],
    ] as const) {
      const response = await harness.app.request(`/batch/jobs${query}`, { headers });
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ code: "invalid_query" });
    }
  });
});
