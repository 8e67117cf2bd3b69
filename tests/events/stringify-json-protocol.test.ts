import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { JsonCodec } from "@smithy/core/protocols";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { StringifyJsonProtocol } from "../../app/events/stringify-json-protocol.js";
import { listenOnLoopback, sendJson } from "../support/local-server.js";

const JSON_1_1 = { "content-type": "application/x-amz-json-1.1" };

/** A PutEvents endpoint that keeps each request's body and target, and answers as the test says. */
let answer: { status: number; body: unknown } = { status: 200, body: { FailedEntryCount: 0, Entries: [] } };
const received: { body: string; target: string | undefined }[] = [];
const endpoint = await listenOnLoopback(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  received.push({ body: Buffer.concat(chunks).toString("utf8"), target: request.headers["x-amz-target"] as string });
  sendJson(response, answer.status, answer.body, JSON_1_1);
});
afterAll(() => endpoint.close());

const clientWith = (protocol?: typeof StringifyJsonProtocol) =>
  new EventBridgeClient({
    region: "us-east-1",
    endpoint: endpoint.url,
    maxAttempts: 1,
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
    ...(protocol ? { protocol } : {}),
  });
const sdkDefault = clientWith();
const stringified = clientWith(StringifyJsonProtocol);

async function bodySentBy(client: EventBridgeClient, entries: PutEventsRequestEntry[]): Promise<string> {
  received.length = 0;
  await client.send(new PutEventsCommand({ Entries: entries }));
  expect(received).toHaveLength(1);
  return received[0]!.body;
}

const entry = (detail: string, time?: Date): PutEventsRequestEntry => ({
  Source: "com.yourapp.transcription",
  DetailType: "BatchProcessingCompleted",
  Detail: detail,
  EventBusName: "default",
  Resources: ["arn:aws:s3:::bucket/key"],
  ...(time ? { Time: time } : {}),
});

describe("StringifyJsonProtocol", () => {
  it("is the protocol the client writes with: JSON.stringify's codec, not the SDK's default", () => {
    const codecOf = (client: EventBridgeClient) =>
      (client.config.protocol as { getPayloadCodec(): unknown }).getPayloadCodec();
    expect(codecOf(stringified)).toBeInstanceOf(JsonCodec);
    expect(codecOf(sdkDefault)).not.toBeInstanceOf(JsonCodec);
  });

  it("sends the same bytes as the SDK's default codec, for text that needs escaping", async () => {
    const awkward = [
      JSON.stringify({ raw_transcript: 'She said "no" \\ then \n\t left', cleaned: "\u0000\u001f\u007f" }),
      "lone surrogates \ud800 and \udc00, a pair 😀, U+2028 \u2028, U+2029 \u2029, é, 中文",
      "",
    ];
    for (const detail of awkward) {
      const ours = await bodySentBy(stringified, [entry(detail, new Date("2026-01-02T03:04:05.678Z"))]);
      expect(ours).toBe(await bodySentBy(sdkDefault, [entry(detail, new Date("2026-01-02T03:04:05.678Z"))]));
      expect((JSON.parse(ours) as { Entries: { Detail: string }[] }).Entries[0]!.Detail).toBe(detail);
    }
    expect(received[0]!.target).toBe("AWSEvents.PutEvents");
  });

  it("sends the same bytes for any text and any number of entries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: "binary", maxLength: 200 }), { minLength: 1, maxLength: 10 }),
        async (details) => {
          const entries = details.map((detail) => entry(detail));
          expect(await bodySentBy(stringified, entries)).toBe(await bodySentBy(sdkDefault, entries));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reads answers as the default does: each entry's result, and a throttled call as its named error", async () => {
    answer = {
      status: 200,
      body: { FailedEntryCount: 1, Entries: [{ EventId: "e-1" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }] },
    };
    const output = await stringified.send(new PutEventsCommand({ Entries: [entry("{}"), entry("{}")] }));
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries).toEqual([{ EventId: "e-1" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }]);

    answer = { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } };
    const refused = await stringified
      .send(new PutEventsCommand({ Entries: [entry("{}")] }))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
  });
});
