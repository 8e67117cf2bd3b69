import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { conditionally } from "../storage/conditional-write.js";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  fromJobItem,
  toJobItem,
  type JobCallback,
  type JobError,
  type JobItem,
  type JobRecord,
  type JobStatus,
} from "./job-record.js";
import { JOBS_TABLE_SCHEMA } from "./job-resources.js";
import { createListCursors, type CursorKey, type ListCursors } from "./list-cursor.js";

/** The index that lists a tenant's jobs newest first. */
const JOBS_BY_CREATION_INDEX = JOBS_TABLE_SCHEMA.byCreatedIndex.name;

export interface JobPage {
  jobs: JobRecord[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

/** The jobs table. Every write that moves a job on is conditional on the state it moves from. */
export interface JobStore {
  /** Writes a new queued job; fails if one with this id exists. */
  create(job: JobRecord): Promise<void>;
  get(tenantId: string, jobId: string): Promise<JobRecord | undefined>;
  /** Takes a queued (or abandoned processing) job: `undefined` when it is finished or gone. */
  claim(tenantId: string, jobId: string, at: Date): Promise<JobRecord | undefined>;
  /** Whether the job was completed by this claim (`attempt`); false when a newer claim or state won. */
  complete(tenantId: string, jobId: string, attempt: number, resultKey: string, at: Date): Promise<boolean>;
  /** Marks the job failed unless it is already finished (or, with `attempt`, claimed again since). */
  fail(tenantId: string, jobId: string, error: JobError, at: Date, attempt?: number): Promise<boolean>;
  /** Removes a job that was never handed to a worker (its work message could not be sent). */
  withdraw(tenantId: string, jobId: string): Promise<void>;
  /**
   * Turns a job into a tombstone (`deleted`, no result, no error, no callback), kept until its TTL so a late
   * worker cannot bring it back. Resolves the job as it was, or `undefined` when there was none (or it was
   * deleted already).
   */
  tombstone(tenantId: string, jobId: string, at: Date): Promise<JobRecord | undefined>;
  /** Records what became of a job's callback; false when the job is gone or deleted. */
  recordCallback(tenantId: string, jobId: string, callback: JobCallback): Promise<boolean>;
  list(
    tenantId: string,
    options: { status?: JobStatus | undefined; limit: number; cursor?: string | undefined },
  ): Promise<JobPage>;
}

/** Sort key of the listing index: creation time, then id, so equal times still sort and page stably. */
export const createdKey = (job: Pick<JobRecord, "createdAt" | "interactionId">) =>
  `${job.createdAt}#${job.interactionId}`;

/** Reads one filtered page may take before it answers short (with a cursor to go on from), and items each evaluates. */
const MAX_READS_PER_PAGE = 10;
const ITEMS_PER_READ = 100;

export function createDynamoJobStore(
  client: DynamoDBClient,
  tableName: string,
  cursors: ListCursors = createListCursors(),
): JobStore {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  async function conditional(command: UpdateCommand | DeleteCommand): Promise<boolean> {
    return (await conditionally(() => documents.send(command as UpdateCommand))) !== undefined;
  }

  return {
    async create(job) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...toJobItem(job), created_key: createdKey(job) },
          ConditionExpression: "attribute_not_exists(job_id)",
        }),
      );
    },
    async get(tenantId, jobId) {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { tenant_id: tenantId, job_id: jobId }, ConsistentRead: true }),
      );
      return Item === undefined ? undefined : withoutIndexKey(Item);
    },
    async claim(tenantId, jobId, at) {
      const claimed = await conditionally(() =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { tenant_id: tenantId, job_id: jobId },
            UpdateExpression:
              "SET #status = :processing, attempts = attempts + :one, updated_at = :at, started_at = if_not_exists(started_at, :at)",
            ConditionExpression: "attribute_exists(job_id) AND #status IN (:queued, :processing)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":processing": "processing",
              ":queued": "queued",
              ":one": 1,
              ":at": at.toISOString(),
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return claimed?.Attributes === undefined ? undefined : withoutIndexKey(claimed.Attributes);
    },
    complete(tenantId, jobId, attempt, resultKey, at) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: "SET #status = :completed, result_key = :result, updated_at = :at, finished_at = :at",
          ConditionExpression: "#status = :processing AND attempts = :attempt",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":completed": "completed",
            ":processing": "processing",
            ":attempt": attempt,
            ":result": resultKey,
            ":at": at.toISOString(),
          },
        }),
      );
    },
    fail(tenantId, jobId, error, at, attempt) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: "SET #status = :failed, #error = :error, updated_at = :at, finished_at = :at",
          ConditionExpression: `#status IN (:queued, :processing)${attempt === undefined ? "" : " AND attempts = :attempt"}`,
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":failed": "failed",
            ":queued": "queued",
            ":processing": "processing",
            ":error": error,
            ":at": at.toISOString(),
            ...(attempt !== undefined && { ":attempt": attempt }),
          },
        }),
      );
    },
    async withdraw(tenantId, jobId) {
      await conditional(
        new DeleteCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          ConditionExpression: "#status = :queued",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":queued": "queued" },
        }),
      );
    },
    async tombstone(tenantId, jobId, at) {
      const deleted = await conditionally(() =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { tenant_id: tenantId, job_id: jobId },
            UpdateExpression:
              "SET #status = :deleted, updated_at = :at, deleted_at = :at REMOVE result_key, #error, callback, #options, idempotency_key",
            ConditionExpression: "attribute_exists(job_id) AND #status <> :deleted",
            ExpressionAttributeNames: { "#status": "status", "#error": "error", "#options": "options" },
            ExpressionAttributeValues: { ":deleted": "deleted", ":at": at.toISOString() },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      return deleted?.Attributes === undefined ? undefined : withoutIndexKey(deleted.Attributes);
    },
    recordCallback(tenantId, jobId, callback) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: "SET callback = :callback",
          ConditionExpression: "attribute_exists(job_id) AND #status <> :deleted",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":callback": callback, ":deleted": "deleted" },
        }),
      );
    },
    /**
     * A page of the tenant's jobs, newest first. A status filter is applied after each read, so reads go on
     * until the page is full (at most `MAX_READS_PER_PAGE`), and the cursor points after the last job shown.
     */
    async list(tenantId, { status, limit, cursor }) {
      const page: Array<Record<string, unknown>> = [];
      let start: Record<string, unknown> | undefined =
        cursor === undefined ? undefined : cursors.decode(cursor, tenantId);
      let next: Record<string, unknown> | undefined;
      for (let reads = 0; reads < MAX_READS_PER_PAGE; reads++) {
        const { Items = [], LastEvaluatedKey } = await documents.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: JOBS_BY_CREATION_INDEX,
            KeyConditionExpression: "tenant_id = :tenant",
            ScanIndexForward: false,
            // The filter is applied after the read: a read evaluates more than a page so a page fills sooner.
            Limit: Math.max(limit, ITEMS_PER_READ),
            // Tombstones are not the tenant's jobs any more.
            FilterExpression: status === undefined ? "#status <> :deleted" : "#status = :status",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":tenant": tenantId,
              ...(status === undefined ? { ":deleted": "deleted" } : { ":status": status }),
            },
            ...(start !== undefined && { ExclusiveStartKey: start }),
          }),
        );
        const room = limit - page.length;
        page.push(...Items.slice(0, room));
        // Cut inside this read: the next page starts after the last job shown; else where the read stopped.
        next = Items.length > room ? keyOf(page.at(-1)!) : LastEvaluatedKey;
        start = LastEvaluatedKey;
        if (page.length >= limit || start === undefined) break;
      }
      return {
        jobs: page.map(withoutIndexKey),
        ...(next !== undefined && { cursor: cursors.encode(next as CursorKey) }),
      };
    },
  };
}

/** The listing index's key of an item: where a page that ends with it goes on from. */
function keyOf(item: Record<string, unknown>): CursorKey {
  return {
    tenant_id: String(item.tenant_id),
    job_id: String(item.job_id),
    created_key: String(item.created_key),
  };
}

function withoutIndexKey(item: Record<string, unknown>): JobRecord {
  const { created_key: _, ...job } = item;
  return fromJobItem(job as unknown as JobItem);
}
