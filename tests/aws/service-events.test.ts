import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMPLETED_EVENT_SCHEMA_PATH } from "../../scripts/event-schema-file.js";
import {
  awsClients,
  createTestPipeline,
  drainQueue,
  motoUrl,
  resetMoto,
  TEST_CREDENTIALS,
  type TestPipeline,
} from "../support/moto.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { FIXTURES } from "../support/test-app.js";

const validateDetail = new Ajv2020().compile(JSON.parse(await readFile(COMPLETED_EVENT_SCHEMA_PATH, "utf8")) as object);
const credentials = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
};

async function uploadCaptions(server: ServerProcess) {
  const form = new FormData();
  form.append("file", new Blob([await readFile(new URL("captions/meeting.srt", FIXTURES))]), "meeting.srt");
  const response = await fetch(`${server.url}/batch/process`, { method: "POST", body: form });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    interaction_id: string;
    event: { status: string; event_id?: string; error?: string };
  };
  return { body };
}

describe("the running service publishes through AWS_ENDPOINT_URL", () => {
  const clients = awsClients();
  let pipeline: TestPipeline;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    await resetMoto();
    pipeline = await createTestPipeline(clients);
  });
  afterEach(async () => {
    expect(await server?.stop()).toBe(0);
  });

  it("puts an event on the queue whose detail passes the committed JSON Schema", async () => {
    server = await startServerProcess({ ...credentials, AWS_ENDPOINT_URL: motoUrl() });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({
      status: "ready",
      events: { publishing: "enabled" },
    });
    const { body } = await uploadCaptions(server);
    expect(body.event).toEqual({ status: "published", event_id: expect.any(String) as unknown });
    const messages = await drainQueue(clients.sqs, pipeline.queueUrl, { waitMs: 3_000 });
    expect(messages).toHaveLength(1);
    const envelope = JSON.parse(messages[0]!.Body!) as { detail: { interaction_id: string } };
    expect(validateDetail(envelope.detail)).toBe(true);
    expect(envelope.detail.interaction_id).toBe(body.interaction_id);
    expect(server.logs.find((line) => line.msg === "event published")).toMatchObject({
      interaction_id: body.interaction_id,
    });
  });

  it("at startup, looks its bus up and says whether it is there, without waiting on it", async () => {
    server = await startServerProcess({ ...credentials, AWS_ENDPOINT_URL: motoUrl() });
    await expect
      .poll(() => server!.logs.find((line) => String(line.msg).startsWith("event bus")), { timeout: 10_000 })
      .toMatchObject({ msg: "event bus reachable", bus: "default" });
    expect(await server.stop()).toBe(0);
    server = await startServerProcess({
      ...credentials,
      AWS_ENDPOINT_URL: motoUrl(),
      EVENTBRIDGE_BUS_NAME: "no-such-bus",
    });
    await expect
      .poll(() => server!.logs.find((line) => String(line.msg).startsWith("event bus")), { timeout: 10_000 })
      .toMatchObject({
        level: "warn",
        msg: "event bus not found: events will fail to publish",
        bus: "no-such-bus",
        error_code: "ResourceNotFoundException",
      });
  });

  it("answers 200 with the event failed when the endpoint is unreachable, within the budget", async () => {
    server = await startServerProcess({
      ...credentials,
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      EVENT_PUBLISH_TIMEOUT_MS: "1500",
    });
    // That the budget bounds the wait is the sender's to prove, on a fake clock (tests/events/event-publisher.test.ts).
    const { body } = await uploadCaptions(server);
    expect(body.event).toEqual({ status: "failed", error: "ECONNREFUSED" });
    await expect
      .poll(() => server!.logs.find((line) => line.msg === "event bus not reachable at startup"), { timeout: 10_000 })
      .toMatchObject({ level: "warn", error_code: "ECONNREFUSED" });
  });

  it("with the bus on a closed port, opens the breaker: later events fail at once with the cause, and /readyz says degraded", async () => {
    server = await startServerProcess({
      ...credentials,
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      EVENT_BREAKER_FAILURES: "2",
      EVENT_BREAKER_HALF_OPEN_S: "600",
    });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ events: { publishing: "enabled" } });
    await uploadCaptions(server);
    const readiness = await fetch(`${server.url}/readyz`);
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toMatchObject({ status: "ready", events: { publishing: "degraded" } });
    const { body } = await uploadCaptions(server);
    expect(body.event).toEqual({ status: "failed", error: "ECONNREFUSED" });
    // The log line comes through the process's stdout, which may arrive after the answer.
    const lines = () =>
      server!.logs.filter((line) => line.msg === "event not published" && line.interaction_id === body.interaction_id);
    await expect.poll(lines, { timeout: 10_000 }).toMatchObject([{ error_code: "ECONNREFUSED", attempts: 0 }]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('batch_event_publishing_state{state="degraded"} 1');
  });

  it("carries UTF-8 identity headers intact into the event on the queue", async () => {
    server = await startServerProcess({ ...credentials, AWS_ENDPOINT_URL: motoUrl() });
    const user = "José Ñandú 日本";
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      void (async () => {
        const form = new FormData();
        form.append("file", new Blob([await readFile(new URL("captions/meeting.srt", FIXTURES))]), "meeting.srt");
        const encoded = new Response(form);
        const payload = Buffer.from(await encoded.arrayBuffer());
        // Header values are bytes: the UTF-8 bytes of the name, as a client sends them.
        const request = httpRequest(
          `${server!.url}/batch/process`,
          {
            method: "POST",
            headers: {
              "Content-Type": encoded.headers.get("content-type")!,
              "Content-Length": payload.length,
              "X-User-ID": Buffer.from(user).toString("latin1"),
            },
          },
          (incoming) => {
            let text = "";
            incoming.setEncoding("utf8");
            incoming.on("data", (chunk: string) => (text += chunk));
            incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: text }));
          },
        );
        request.on("error", reject);
        request.end(payload);
      })();
    });
    expect(response.status).toBe(200);
    const messages = await drainQueue(clients.sqs, pipeline.queueUrl, { waitMs: 3_000 });
    const details = messages.map(
      (message) => (JSON.parse(message.Body!) as { detail: { user_id: string; interaction_id: string } }).detail,
    );
    expect(details).toEqual([
      expect.objectContaining({
        user_id: user,
        interaction_id: (JSON.parse(response.body) as { interaction_id: string }).interaction_id,
      }),
    ]);
  });

  it("answers 200 with the event disabled when there are no credentials, and says so at startup", async () => {
    server = await startServerProcess({
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_EC2_METADATA_DISABLED: "true",
      HOME: "/nonexistent",
    });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({
      transcription: { provider: "deepgram", configured: false },
      events: { publishing: "disabled" },
    });
    const { body } = await uploadCaptions(server);
    expect(body.event).toEqual({ status: "disabled", error: "no_credentials" });
    expect(
      server.logs.some((line) => line.level === "warn" && /event publishing is disabled/.test(String(line.msg))),
    ).toBe(true);
  });
});
