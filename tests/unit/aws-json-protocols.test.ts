import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { JsonCodec } from "@smithy/core/protocols";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { StringifyJson1_0Protocol, StringifyJson1_1Protocol } from "../../app/aws/json-protocols.js";
import { listenOnLoopback, sendJson } from "../support/local-server.js";

/** An AWS JSON endpoint that keeps each request's body and target, and answers as the test says. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const received: { body: string; target: string | undefined }[] = [];
const endpoint = await listenOnLoopback(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  received.push({ body: Buffer.concat(chunks).toString("utf8"), target: request.headers["x-amz-target"] as string });
  sendJson(response, answer.status, answer.body, { "content-type": request.headers["content-type"] ?? "" });
});
afterAll(() => endpoint.close());

const config = {
  region: "us-east-1",
  endpoint: endpoint.url,
  maxAttempts: 1,
  credentials: { accessKeyId: "x", secretAccessKey: "y" },
};
const eventBridge = {
  sdk: new EventBridgeClient(config),
  ours: new EventBridgeClient({ ...config, protocol: StringifyJson1_1Protocol }),
};
const dynamodb = {
  sdk: new DynamoDBClient(config),
  ours: new DynamoDBClient({ ...config, protocol: StringifyJson1_0Protocol }),
};
const sqs = { sdk: new SQSClient(config), ours: new SQSClient({ ...config, protocol: StringifyJson1_0Protocol }) };

interface Sender {
  send(command: never): Promise<unknown>;
}

/** The body each client sends for the same command: the SDK's default codec, then ours. */
async function bodiesOf(pair: { sdk: Sender; ours: Sender }, command: () => unknown): Promise<[string, string]> {
  received.length = 0;
  await pair.sdk.send(command() as never);
  await pair.ours.send(command() as never);
  expect(received).toHaveLength(2);
  return [received[0]!.body, received[1]!.body];
}

const entry = (detail: string, time?: Date): PutEventsRequestEntry => ({
  Source: "com.yourapp.transcription",
  DetailType: "BatchProcessingCompleted",
  Detail: detail,
  EventBusName: "default",
  Resources: ["arn:aws:s3:::bucket/key"],
  ...(time ? { Time: time } : {}),
});

const AWKWARD = [
  JSON.stringify({ raw_transcript: 'She said "no" \\ then \n\t left', cleaned: "\u0000\u001f\u007f" }),
  "lone surrogates \ud800 and \udc00, a pair 😀, U+2028 \u2028, U+2029 \u2029, é, 中文",
  "",
];
const anyText = fc.string({ unit: "binary", maxLength: 200 });

describe("the JSON protocols written with JSON.stringify", () => {
  it("are what the clients write with: JSON.stringify's codec, not the SDK's default", () => {
    const codecOf = (client: { config: { protocol: unknown } }) =>
      (client.config.protocol as { getPayloadCodec(): unknown }).getPayloadCodec();
    for (const pair of [eventBridge, dynamodb, sqs]) {
      expect(codecOf(pair.ours)).toBeInstanceOf(JsonCodec);
      expect(codecOf(pair.sdk)).not.toBeInstanceOf(JsonCodec);
    }
  });

  it("send PutEvents as the SDK does, byte for byte, for text that needs escaping and for any text", async () => {
    answer = { status: 200, body: { FailedEntryCount: 0, Entries: [] } };
    for (const detail of AWKWARD) {
      const [sdk, ours] = await bodiesOf(
        eventBridge,
        () => new PutEventsCommand({ Entries: [entry(detail, new Date("2026-01-02T03:04:05.678Z"))] }),
      );
      expect(ours).toBe(sdk);
      expect((JSON.parse(ours) as { Entries: { Detail: string }[] }).Entries[0]!.Detail).toBe(detail);
    }
    expect(received[1]!.target).toBe("AWSEvents.PutEvents");
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 10 }), async (details) => {
        const [sdk, ours] = await bodiesOf(
          eventBridge,
          () => new PutEventsCommand({ Entries: details.map((detail) => entry(detail)) }),
        );
        expect(ours).toBe(sdk);
      }),
      { numRuns: 100 },
    );
  });

  it("send DynamoDB items and SQS messages as the SDK does, binary values included", async () => {
    const item = (text: string): Record<string, AttributeValue> => ({
      pk: { S: text },
      n: { N: "12.5" },
      b: { B: new TextEncoder().encode(text) },
      flag: { BOOL: true },
      none: { NULL: true },
      list: { L: [{ S: text }, { N: "1" }] },
      map: { M: { headers: { M: { "Content-Type": { S: "application/json" } } } } },
      strings: { SS: [text || "x", "b"] },
    });
    answer = { status: 200, body: {} };
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...AWKWARD), anyText), async (text) => {
        const [sdkItem, ourItem] = await bodiesOf(
          dynamodb,
          () =>
            new PutItemCommand({
              TableName: "jobs",
              Item: item(text),
              ConditionExpression: "attribute_not_exists(pk)",
            }),
        );
        expect(ourItem).toBe(sdkItem);
        const [sdkBatch, ourBatch] = await bodiesOf(
          sqs,
          () =>
            new SendMessageBatchCommand({
              QueueUrl: "http://127.0.0.1/123456789012/work",
              Entries: [
                {
                  Id: "0",
                  MessageBody: text || "x",
                  MessageAttributes: {
                    text: { DataType: "String", StringValue: text || "x" },
                    bytes: { DataType: "Binary", BinaryValue: new TextEncoder().encode(text || "x") },
                  },
                },
              ],
            }),
        );
        expect(ourBatch).toBe(sdkBatch);
      }),
      { numRuns: 60 },
    );
  });

  it("read answers and refusals as the SDK does: items, each entry's result, errors by name", async () => {
    answer = {
      status: 200,
      body: { Item: { pk: { S: "a" }, n: { N: "3" }, b: { B: "aGk=" }, list: { L: [{ NULL: true }] } } },
    };
    const get = () => new GetItemCommand({ TableName: "jobs", Key: { pk: { S: "a" } } });
    const ourItem = await dynamodb.ours.send(get());
    expect(ourItem.Item).toEqual((await dynamodb.sdk.send(get())).Item);
    expect(ourItem.Item?.b?.B).toEqual(new TextEncoder().encode("hi"));

    answer = {
      status: 200,
      body: { FailedEntryCount: 1, Entries: [{ EventId: "e-1" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }] },
    };
    const output = await eventBridge.ours.send(new PutEventsCommand({ Entries: [entry("{}"), entry("{}")] }));
    expect(output.FailedEntryCount).toBe(1);
    expect(output.Entries).toEqual([{ EventId: "e-1" }, { ErrorCode: "InternalFailure", ErrorMessage: "x" }]);

    answer = { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } };
    const throttled = await eventBridge.ours
      .send(new PutEventsCommand({ Entries: [entry("{}")] }))
      .catch((error: unknown) => error);
    expect(throttled).toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });

    answer = {
      status: 400,
      body: {
        __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        message: "The conditional request failed",
      },
    };
    const put = () =>
      new PutItemCommand({
        TableName: "jobs",
        Item: { pk: { S: "a" } },
        ConditionExpression: "attribute_not_exists(pk)",
      });
    const refused = await dynamodb.ours.send(put()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: "ConditionalCheckFailedException", $metadata: { httpStatusCode: 400 } });
    expect((refused as Error).constructor).toBe(
      ((await dynamodb.sdk.send(put()).catch((error: unknown) => error)) as Error).constructor,
    );
  });
});
