import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { conditionally } from "../storage/conditional-write.js";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { objectKeys } from "../storage/storage-layout.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { IdempotencyRecord, IdempotencyStore, RecordedResponse } from "./idempotency-store.js";

/** Bodies over this go to the bucket beside the results (a DynamoDB item holds 400 KB in all). */
const INLINE_BODY_BYTES = 256 * 1024;

interface StoredItem {
  state: "in_progress" | "completed";
  fingerprint: string;
  lease_until: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string | null;
  body_key?: string | null;
}

/**
 * Idempotency records in DynamoDB (`IDEMPOTENCY_TABLE`): one item per tenant and key, every write
 * conditional, expiring by TTL. Shared by every instance, and it survives a restart. Large answers are kept
 * in the bucket, the item holding their key; without a bucket such an answer is not recorded (a retry runs
 * the request again).
 */
export function createDynamoIdempotencyStore(
  client: DynamoDBClient,
  tableName: string,
  options: { ttlS: number; objects?: ObjectStore | undefined; now?: () => number },
): IdempotencyStore {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const now = options.now ?? Date.now;
  const itemKey = (scope: string, key: string) => ({ scope_key: `${scope}#${key}` });
  const bodyKey = (scope: string, key: string) =>
    objectKeys.idempotencyAnswer(scope, createHash("sha256").update(key).digest("hex"));
  const seconds = () => Math.floor(now() / 1000);

  async function read(scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: itemKey(scope, key), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const item = Item as StoredItem;
    if (item.state === "in_progress") return { state: "in_progress", fingerprint: item.fingerprint };
    const { objects } = options;
    const stored = item.body_key;
    const body =
      typeof stored === "string" && objects !== undefined ? { open: () => objects.open(stored) } : (item.body ?? "");
    return {
      state: "completed",
      fingerprint: item.fingerprint,
      response: { status: item.status ?? 200, headers: item.headers ?? {}, body },
    };
  }

  return {
    durable: true,
    async begin(scope, key, fingerprint, leaseS) {
      const claimed = await conditionally(() =>
        documents.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...itemKey(scope, key),
              state: "in_progress",
              fingerprint,
              lease_until: seconds() + leaseS,
              expires_at: seconds() + options.ttlS,
            },
            // A claim whose lease ran out belongs to an instance that died: it may be taken over.
            ConditionExpression:
              "attribute_not_exists(scope_key) OR (#state = :in_progress AND lease_until < :now) OR expires_at < :now",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":in_progress": "in_progress", ":now": seconds() },
          }),
        ),
      );
      if (claimed !== undefined) return { claimed: true };
      const record = await read(scope, key);
      // Gone between the two calls (released, or expired): the next retry claims it.
      return { claimed: false, record: record ?? { state: "in_progress", fingerprint } };
    },
    async complete(scope, key, fingerprint, response: RecordedResponse) {
      let stored: Pick<StoredItem, "body" | "body_key"> = { body: response.body };
      if (Buffer.byteLength(response.body) > INLINE_BODY_BYTES) {
        if (options.objects === undefined) return this.release(scope, key, fingerprint);
        const location = bodyKey(scope, key);
        await options.objects.putText(location, response.body, response.headers["Content-Type"] ?? "application/json");
        stored = { body_key: location };
      }
      // A record that moved on meanwhile (released, expired and claimed again) is not overwritten.
      await conditionally(() =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: itemKey(scope, key),
            UpdateExpression:
              "SET #state = :completed, #status = :status, headers = :headers, body = :body, body_key = :body_key, expires_at = :expires",
            ConditionExpression: "#state = :in_progress AND fingerprint = :fingerprint",
            ExpressionAttributeNames: { "#state": "state", "#status": "status" },
            ExpressionAttributeValues: {
              ":completed": "completed",
              ":in_progress": "in_progress",
              ":fingerprint": fingerprint,
              ":status": response.status,
              ":headers": response.headers,
              ":body": stored.body ?? null,
              ":body_key": stored.body_key ?? null,
              ":expires": seconds() + options.ttlS,
            },
          }),
        ),
      );
    },
    async release(scope, key, fingerprint) {
      await conditionally(() =>
        documents.send(
          new DeleteCommand({
            TableName: tableName,
            Key: itemKey(scope, key),
            ConditionExpression: "#state = :in_progress AND fingerprint = :fingerprint",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: { ":in_progress": "in_progress", ":fingerprint": fingerprint },
          }),
        ),
      );
    },
    async renew(scope, key, fingerprint, leaseS) {
      await conditionally(() =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: itemKey(scope, key),
            UpdateExpression: "SET lease_until = :lease",
            ConditionExpression: "#state = :in_progress AND fingerprint = :fingerprint",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: {
              ":lease": seconds() + leaseS,
              ":in_progress": "in_progress",
              ":fingerprint": fingerprint,
            },
          }),
        ),
      );
    },
    async forget(scope, key) {
      await documents.send(new DeleteCommand({ TableName: tableName, Key: itemKey(scope, key) }));
      await options.objects?.delete(bodyKey(scope, key));
    },
  };
}
