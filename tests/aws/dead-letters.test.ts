import { readFile } from "node:fs/promises";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseFailedEvent } from "../../app/events/batch-processing-failed.js";
import { startJobHarness, submitJob, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { FIXTURES, uploadForm } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const asTenant = { "X-Tenant-ID": TENANT };

/** A job's work message, as SQS moves it to the work DLQ. */
const sendDeadLetter = (harness: JobHarness, jobId: string) =>
  harness.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: harness.outputs.workDlqUrl,
      MessageBody: JSON.stringify({ version: 1, tenant_id: TENANT, job_id: jobId }),
    }),
  );

describe("no job left behind: dead-lettered work (moto_server)", () => {
  let harness: JobHarness;
  beforeEach(async () => {
    await resetMoto();
  });
  afterEach(() => harness.stop());

  it("a job whose worker dies on each of its 3 receives ends failed, with its event and its callback", async () => {
    const receiver = await startWebhookReceiver();
    try {
      harness = await startJobHarness({ webhooks: { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } });
      const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
      const submitted = await harness.app.request(`/batch/jobs?callback_url=${encodeURIComponent(receiver.hookUrl)}`, {
        method: "POST",
        body: uploadForm(vtt, "meeting.vtt"),
        headers: asTenant,
      });
      const id = ((await submitted.json()) as { interaction_id: string }).interaction_id;
      // A worker takes the job and is killed (no answer, no give-up) on each receive: the message comes back
      // after its visibility, three times, then SQS moves it to the work DLQ.
      for (let receive = 1; receive <= 3; receive++) {
        await expect
          .poll(
            async () => {
              const { Messages = [] } = await harness.clients.sqs.send(
                new ReceiveMessageCommand({
                  QueueUrl: harness.outputs.workQueueUrl,
                  VisibilityTimeout: 1,
                  WaitTimeSeconds: 1,
                }),
              );
              return Messages.length;
            },
            { timeout: 15_000, interval: 200 },
          )
          .toBe(1);
        await harness.store.claim(TENANT, id, new Date());
      }
      expect((await harness.store.get(TENANT, id))?.status).toBe("processing");
      harness.startDeadLetters();
      // A worker's deliveries, to call back the failure (its job queue is empty by now).
      harness.startWorker();
      // The work DLQ receives the message on the next receive of the work queue after the third.
      await expect
        .poll(
          async () => {
            await harness.clients.sqs.send(
              new ReceiveMessageCommand({ QueueUrl: harness.outputs.workQueueUrl, WaitTimeSeconds: 1 }),
            );
            return (await harness.store.get(TENANT, id))?.status;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe("failed");
      const job = (await (await harness.app.request(`/batch/jobs/${id}`, { headers: asTenant })).json()) as Record<
        string,
        unknown
      >;
      expect(job).toMatchObject({
        status: "failed",
        attempts: 3,
        error: { code: "processing_failed", stage: "processing" },
      });
      const events = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
      const failed = events
        .map((message) => JSON.parse(message.Body!) as { detail: unknown })
        .filter((event) => (event.detail as { interaction_id?: string }).interaction_id === id);
      expect(failed).toHaveLength(1);
      // A captions job asks no provider anything.
      expect(parseFailedEvent(failed[0]!.detail)).toMatchObject({
        error: { code: "processing_failed" },
        options: null,
      });
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
        type: "batch.processing.failed",
        interaction_id: id,
        error: { code: "processing_failed" },
        options: null,
      });
    } finally {
      await receiver.close();
    }
  });

  it("leaves alone a dead-lettered job that completed meanwhile", async () => {
    harness = await startJobHarness();
    harness.startWorker();
    const id = await submitJob(
      harness,
      await readFile(new URL("captions/meeting.vtt", FIXTURES)),
      "meeting.vtt",
      TENANT,
    );
    await harness.finished(`/batch/jobs/${id}`, asTenant);
    // As if its message had been dead-lettered anyway (a late redrive).
    await sendDeadLetter(harness, id);
    harness.startDeadLetters();
    await expect
      .poll(
        () => harness.workerLogs.lines.some((line) => line.msg === "dead-lettered job already ended; nothing to do"),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    expect((await harness.store.get(TENANT, id))?.status).toBe("completed");
  });

  it("publishes the failure event a killed process left pending, once, and never shows the mark", async () => {
    harness = await startJobHarness();
    const id = await submitJob(
      harness,
      await readFile(new URL("captions/meeting.vtt", FIXTURES)),
      "meeting.vtt",
      TENANT,
    );
    await harness.store.claim(TENANT, id, new Date());
    // What a process killed between its write and its publish leaves: failed, the event still to publish.
    const failure = { code: "processing_failed" as const, message: "failed", stage: "processing" as const };
    expect(await harness.store.fail(TENANT, id, failure, new Date(), { publishingUntil: new Date() })).toBe(true);
    expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "failed", failureEventPending: true });
    const shown = (await (await harness.app.request(`/batch/jobs/${id}`, { headers: asTenant })).json()) as object;
    expect(JSON.stringify(shown)).not.toMatch(/pending/);

    await sendDeadLetter(harness, id);
    harness.startDeadLetters();
    await expect
      .poll(async () => (await harness.store.get(TENANT, id))?.failureEventPending, { timeout: 15_000 })
      .toBeUndefined();
    // The same dead letter again (a redelivery): the event is not published twice.
    await sendDeadLetter(harness, id);
    await expect
      .poll(
        () => harness.workerLogs.lines.filter((line) => line.msg === "dead-lettered job already ended; nothing to do"),
        { timeout: 15_000 },
      )
      .toHaveLength(1);
    const events = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    const failed = events
      .map((message) => JSON.parse(message.Body!) as { detail: { interaction_id?: string } })
      .filter((event) => event.detail.interaction_id === id);
    expect(failed).toHaveLength(1);
    expect(parseFailedEvent(failed[0]!.detail)).toMatchObject({ error: { code: "processing_failed" } });
    expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "failed", attempts: 1 });
  });
});
