import type { LookupFunction } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redactConfig } from "../../app/config/config.js";
import { retryWaitS, MAX_RETRY_WAIT_S } from "../../app/webhooks/delivery-processor.js";
import { CallbackRefused, checkCallbackUrl, isPublicAddress } from "../../app/webhooks/callback-url.js";
import { webhookPayload } from "../../app/webhooks/webhook-payload.js";
import { completedJob } from "../support/job-records.js";
import type { JobRecord } from "../../app/jobs/job-record.js";
import type { TranscriptionOptions } from "../../app/domain/transcription-options.js";
import { createWebhookSender } from "../../app/webhooks/webhook-sender.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { buildTestApp, uploadForm } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const REFUSED = [
  "http://127.0.0.1:9999/hook",
  "https://127.1/hook",
  "https://[::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://0x7f000001/hook",
  "https://2130706433/hook",
  "https://localhost/hook",
  "https://api.localhost/hook",
  "https://user:pw@hooks.example.com/hook",
  "https://10.0.0.8/hook",
  "https://192.168.1.1/hook",
  "https://169.254.169.254/latest/meta-data",
  "https://[fd00::1]/hook",
  "https://[fe80::1]/hook",
  "https://0.0.0.0/hook",
  "https://224.0.0.1/hook",
  "https://100.64.0.1/hook",
  "https://[::127.0.0.1]/hook",
  "https://[::7f00:1]/hook",
  "https://[::a9fe:a9fe]/hook",
  "https://[100::1]/hook",
  "https://hooks.example.com:22/hook",
  "ftp://hooks.example.com/hook",
  "not a url",
];

describe("a callback_url the service will not call", () => {
  it.each(REFUSED)("refuses %s", (url) => {
    expect(() => checkCallbackUrl(url, false)).toThrow(CallbackRefused);
  });

  it("takes public https URLs on 443 and 8443", () => {
    expect(checkCallbackUrl("https://hooks.example.com/a?b=c", false).href).toBe("https://hooks.example.com/a?b=c");
    expect(checkCallbackUrl("https://8.8.8.8:8443/hook", false).port).toBe("8443");
    expect(checkCallbackUrl("https://[2001:4860:4860::8888]/hook", false).hostname).toBe("[2001:4860:4860::8888]");
  });

  it("lets http and loopback through only when private targets are allowed, never credentials", () => {
    expect(checkCallbackUrl("http://127.0.0.1:9999/hook", true).href).toBe("http://127.0.0.1:9999/hook");
    expect(() => checkCallbackUrl("http://u:p@127.0.0.1:9999/hook", true)).toThrow(CallbackRefused);
  });

  it("judges an IPv4 address written as IPv6 as the IPv4 address it is (property)", () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(isPublicAddress(`::ffff:${address}`)).toBe(isPublicAddress(address));
      }),
    );
  });

  it("takes no IPv6 address outside the global unicast block 2000::/3 as public (property)", () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const first = Number.parseInt(address.split(":")[0] || "0", 16);
        if (first < 0x2000 || first > 0x3fff) expect(isPublicAddress(address)).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(isPublicAddress("2606:4700:4700::1111")).toBe(true);
  });

  it.each(REFUSED.slice(0, 9))(
    "answers 400 invalid_callback before the upload is read, and keeps nothing: %s",
    async (url) => {
      const jobs = memoryJobs();
      const { app, dispose } = await buildTestApp({ jobs, webhooks: { allowPrivate: false, missing: [] } });
      try {
        const response = await app.request(`/batch/jobs?callback_url=${encodeURIComponent(url)}`, {
          method: "POST",
          body: uploadForm("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n", "a.vtt"),
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ code: "invalid_callback", type: "/problems/invalid-callback" });
        expect(jobs.records.size).toBe(0);
      } finally {
        await dispose();
      }
    },
  );

  it("answers 503 webhooks_unavailable when this instance cannot call back, and 400 on the synchronous path", async () => {
    const { app, dispose } = await buildTestApp({ jobs: memoryJobs() });
    try {
      const refused = await app.request(
        `/batch/jobs?callback_url=${encodeURIComponent("https://hooks.example.com/")}`,
        {
          method: "POST",
          body: uploadForm("hello", "a.txt"),
        },
      );
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        code: "webhooks_unavailable",
        missing: ["WEBHOOK_QUEUE_URL", "WEBHOOK_SECRET"],
      });
      const sync = await app.request(
        `/batch/process?callback_url=${encodeURIComponent("https://hooks.example.com/")}`,
        {
          method: "POST",
          body: uploadForm("hello", "a.txt"),
        },
      );
      expect(sync.status).toBe(400);
      expect(await sync.json()).toMatchObject({ code: "invalid_callback" });
    } finally {
      await dispose();
    }
  });
});

describe("sending a webhook", () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.close());

  /** A resolver that says every name is this machine: what a DNS rebind to loopback looks like. */
  const toLoopback: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
  };
  const port = () => new URL(receiver.url).port;
  const webhook = (url: string) => ({
    url: new URL(url),
    id: "msg_test",
    timestamp: new Date(),
    body: "{}",
    secret: SECRET,
  });

  it("refuses at connect time a public name that resolves to loopback: nothing reaches the receiver", async () => {
    const send = createWebhookSender({ allowPrivate: false, lookup: toLoopback, timeoutMs: 2_000 });
    const before = receiver.received.length;
    const outcome = await send(webhook(`https://hooks.example.com:8443/hook`));
    expect(outcome.status).toBeNull();
    expect(outcome).toMatchObject({ reason: expect.stringMatching(/not allowed/) as unknown });
    expect(receiver.received.length).toBe(before);
  });

  it("refuses at connect time a name that resolves to an IPv4-compatible IPv6 address (::127.0.0.1), which the filtering agent alone would take", async () => {
    const toCompatible: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [{ address: "::7f00:1", family: 6 }]);
      else callback(null, "::7f00:1", 6);
    };
    const send = createWebhookSender({ allowPrivate: false, lookup: toCompatible, timeoutMs: 2_000 });
    const outcome = await send(webhook(`https://hooks.example.com:8443/hook`));
    expect(outcome).toMatchObject({ status: null, reason: expect.stringMatching(/not a public address/) as unknown });
  });

  it("sends when private targets are allowed, following no redirect and signing each try", async () => {
    const send = createWebhookSender({ allowPrivate: true, lookup: toLoopback, timeoutMs: 2_000 });
    receiver.answer(302);
    const outcome = await send(webhook(`http://hooks.example.com:${port()}/hook`));
    expect(outcome).toEqual({ status: 302 });
    const hook = receiver.received.at(-1)!;
    expect(hook.headers["webhook-id"]).toBe("msg_test");
    expect(hook.headers["webhook-signature"]).toMatch(/^v1,/);
  });

  it("does not send plain http when private targets are not allowed", async () => {
    const send = createWebhookSender({ allowPrivate: false });
    expect(await send(webhook(`http://hooks.example.com/hook`))).toEqual({ status: null, reason: "not https" });
  });
});

describe("retries, payloads and secrets", () => {
  it("waits longer each try, jittered, never over an hour", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, base, random) => {
          const wait = retryWaitS(attempt, base, () => random);
          const cap = Math.min(MAX_RETRY_WAIT_S, base * 2 ** (attempt - 1));
          expect(wait).toBeGreaterThanOrEqual(Math.floor(cap / 2));
          expect(wait).toBeLessThanOrEqual(Math.ceil(cap));
        },
      ),
    );
    expect(retryWaitS(1, 30, () => 0)).toBe(15);
    expect(retryWaitS(20, 30, () => 0.999)).toBeGreaterThan(3590);
    expect(retryWaitS(20, 30, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_WAIT_S);
  });

  it("links a failed job's payload to the job, and carries its error", () => {
    const payload = JSON.parse(
      webhookPayload({
        job: {
          tenantId: "t",
          interactionId: "j",
          userId: "u",
          accountId: null,
          status: "failed",
          createdAt: "",
          updatedAt: "",
          attempts: 1,
          uploadKey: "k",
          uploadBytes: 1,
          detected: { kind: "unsupported-encoding" },
          expiresAt: 0,
          error: { code: "empty_transcript", message: "No speech.", stage: "validation" },
        },
        ending: "failed",
        maxInlineBytes: 1000,
        at: new Date("2026-01-01T00:00:00.000Z"),
      }),
    ) as Record<string, unknown>;
    expect(payload).toEqual({
      type: "batch.processing.failed",
      timestamp: "2026-01-01T00:00:00.000Z",
      interaction_id: "j",
      tenant_id: "t",
      user_id: "u",
      account_id: null,
      status: "failed",
      error: { code: "empty_transcript", message: "No speech.", stage: "validation" },
      options: null,
      links: { job: "/batch/jobs/j" },
    });
  });

  it.each([
    ["https://transcripts.example.com", "https://transcripts.example.com/batch/jobs/j"],
    ["https://transcripts.example.com/", "https://transcripts.example.com/batch/jobs/j"],
    ["https://example.com/api///", "https://example.com/api/batch/jobs/j"],
    ["/".repeat(100_000), "/batch/jobs/j"],
  ])("links to the job under PUBLIC_BASE_URL %#, its trailing slashes dropped", (publicBaseUrl, job) => {
    const failed = { ...completedJob("t", "j", "result"), status: "failed" } satisfies JobRecord;
    const payload = JSON.parse(
      webhookPayload({ job: failed, ending: "failed", maxInlineBytes: 1000, publicBaseUrl, at: new Date(0) }),
    ) as { links: { job: string } };
    expect(payload.links.job).toBe(job);
  });

  it("links a completed job's subtitles only when its transcript has timings to make them of", () => {
    const job = completedJob("t", "j", "result");
    const result = {
      raw_transcript: "We ship.",
      cleaned_transcript: "We ship.",
      cleaner: "rules" as const,
      source: "captions" as const,
      metadata: { provider: null, model: null, duration_s: null, request_id: null },
      confidence: null,
      language: null,
      options: null,
    };
    const linksOf = (inputs: Partial<Parameters<typeof webhookPayload>[0]>) =>
      (
        JSON.parse(
          webhookPayload({ job, ending: "completed", maxInlineBytes: 10_000, at: new Date(0), ...inputs }),
        ) as {
          links: Record<string, string>;
        }
      ).links;
    // Plain-text captions: the link would answer 422 subtitles_unavailable.
    expect(linksOf({ result })).toEqual({ job: "/batch/jobs/j" });
    const timed = { ...result, utterances: [{ speaker: null, start: 0, end: 1, text: "We ship." }] };
    expect(linksOf({ result: timed })).toEqual({ job: "/batch/jobs/j", captions: "/batch/jobs/j/captions" });
    // Not read here (too large to inline): the link is given, as its subtitles may well be there.
    expect(linksOf({ result: { storedBytes: 1e9 } }).captions).toBe("/batch/jobs/j/captions");
  });

  it("tells a failed audio job's receiver what the provider was asked, as the failed event does", () => {
    const options: TranscriptionOptions = {
      model: "nova-3",
      language: "de",
      detect_language: false,
      keyterm: ["Acme"],
      redact: ["pci"],
      diarize: true,
      punctuate: true,
      smart_format: true,
    };
    const failed = {
      ...completedJob("t", "j", "result"),
      status: "failed",
      options,
      error: { code: "provider_failed", message: "Deepgram refused.", stage: "transcription" },
    } satisfies JobRecord;
    const payloadOf = (ending: "failed" | "completed") =>
      JSON.parse(webhookPayload({ job: failed, ending, maxInlineBytes: 1000, at: new Date(0) })) as Record<
        string,
        unknown
      >;
    expect(payloadOf("failed")).toMatchObject({ status: "failed", options });
    // A completed job's options come with its result, as in the job's own answer.
    expect(payloadOf("completed")).not.toHaveProperty("options");
  });

  it("reads per-tenant secrets, refuses a malformed one without echoing it, and never logs them", () => {
    const tenant = "11111111-1111-4111-8111-111111111111";
    const config = loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRETS: JSON.stringify({ [tenant]: SECRET }) });
    expect(config.webhooks.tenantSecrets).toEqual({ [tenant]: SECRET });
    expect(JSON.stringify(redactConfig(config))).not.toContain(SECRET.slice(6));
    expect(() => loadConfig({ WEBHOOK_SECRETS: "{not json" })).toThrow(/WEBHOOK_SECRETS: must be a JSON object/);
    expect(() => loadConfig({ WEBHOOK_SECRETS: JSON.stringify({ [tenant]: "hunter2" }) })).toThrow(/whsec_/);
    expect(() => loadConfig({ WEBHOOK_SECRET: "hunter2" })).toThrow(/WEBHOOK_SECRET/);
  });
});
