import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { conditionally } from "../storage/conditional-write.js";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { toJobItem, type JobCallback, type JobError, type JobRecord } from "./job-record.js";
import { listJobs, withoutIndexKey, type JobPage, type ListOptions } from "./job-listing.js";
import { createListCursors, type ListCursors } from "./list-cursor.js";

export type { JobPage } from "./job-listing.js";

/** The jobs table. Every write that moves a job on is conditional on the state it moves from. */
export interface JobStore {
  /** Writes a new queued job; fails if one with this id exists. */
  create(job: JobRecord): Promise<void>;
  get(tenantId: string, jobId: string): Promise<JobRecord | undefined>;
  /** Takes a queued (or abandoned processing) job: `undefined` when it is finished or gone. */
  claim(tenantId: string, jobId: string, at: Date): Promise<JobRecord | undefined>;
  /** Whether the job was completed by this claim (`attempt`); false when a newer claim or state won. */
  complete(tenantId: string, jobId: string, attempt: number, resultKey: string, at: Date): Promise<boolean>;
  /**
   * Marks the job failed unless it is already finished (or, with `attempt`, claimed again since). With
   * `publishingUntil` its `BatchProcessingFailed` is marked still to publish in the same write, and the job held
   * from deletion until then: a process killed before it publishes leaves the mark for the dead-letter consumer
   * to publish from. Without it, a hold taken to publish the event (`hold`) ends.
   */
  fail(
    tenantId: string,
    jobId: string,
    error: JobError,
    at: Date,
    options?: { attempt?: number; publishingUntil?: Date },
  ): Promise<boolean>;
  /** Clears a failed job's pending-event mark and its hold: its event is published, or the publisher has given up and said so. */
  failureEventSettled(tenantId: string, jobId: string): Promise<void>;
  /**
   * Holds a job from deletion until `until` while something of it is sent out: its event (completing or
   * failing the job ends that hold) or its callback (recording the try ends it). False when the job is gone
   * or deleted already, and then nothing may be sent for it.
   */
  hold(tenantId: string, jobId: string, what: JobHold, until: Date): Promise<boolean>;
  /** Removes a job that was never handed to a worker (its work message could not be sent). */
  withdraw(tenantId: string, jobId: string): Promise<void>;
  /**
   * Turns a job into a tombstone (`deleted`, no result, no error, no callback), kept until its TTL so a late
   * worker cannot bring it back. Resolves the job as it was, `undefined` when there was none (or it was
   * deleted already), or, unless `force`, when the job is held while its event or callback is sent, until when.
   */
  tombstone(tenantId: string, jobId: string, at: Date, options?: { force?: boolean }): Promise<Tombstoning>;
  /** Records what became of a job's callback, ending the callback's hold; false when the job is gone or deleted. */
  recordCallback(tenantId: string, jobId: string, callback: JobCallback): Promise<boolean>;
  list(tenantId: string, options: ListOptions): Promise<JobPage>;
}

/** What asking to delete a job came to: done (the job as it was), or held by something being sent until a time. */
export type Tombstoning = { deleted: JobRecord } | { heldUntil: string } | undefined;

/** What a worker may be sending out about a job: a deletion waits until it is out, so nothing follows one. */
export type JobHold = "event" | "callback";
const HOLD_ATTRIBUTES: Record<JobHold, string> = { event: "publishing_until", callback: "calling_back_until" };

/** How long a hold lasts: the longest the sending may take (the publish budget, a webhook try), then time to record it. */
export const holdMs = (sendingMs: number) => sendingMs + 10_000;

/** A tombstone's condition: no hold lasts past the deletion's time. */
const UNHELD = ` AND ${Object.values(HOLD_ATTRIBUTES)
  .map((name) => `(attribute_not_exists(${name}) OR ${name} < :at)`)
  .join(" AND ")}`;

/** Sort key of the listing index: creation time, then id, so equal times still sort and page stably. */
export const createdKey = (job: Pick<JobRecord, "createdAt" | "interactionId">) =>
  `${job.createdAt}#${job.interactionId}`;

export function createDynamoJobStore(
  client: DynamoDBClient,
  tableName: string,
  cursors: ListCursors = createListCursors(),
): JobStore {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  async function conditional(command: UpdateCommand | DeleteCommand): Promise<boolean> {
    return (await conditionally(() => documents.send(command as UpdateCommand))) !== undefined;
  }

  async function get(tenantId: string, jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { tenant_id: tenantId, job_id: jobId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : withoutIndexKey(Item);
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
    get,
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
          UpdateExpression:
            "SET #status = :completed, result_key = :result, updated_at = :at, finished_at = :at REMOVE publishing_until",
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
    fail(tenantId, jobId, error, at, { attempt, publishingUntil } = {}) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: `SET #status = :failed, #error = :error, updated_at = :at, finished_at = :at${publishingUntil === undefined ? " REMOVE publishing_until" : ", failure_event_pending = :pending, publishing_until = :until"}`,
          ConditionExpression: `#status IN (:queued, :processing)${attempt === undefined ? "" : " AND attempts = :attempt"}`,
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":failed": "failed",
            ":queued": "queued",
            ":processing": "processing",
            ":error": error,
            ":at": at.toISOString(),
            ...(attempt !== undefined && { ":attempt": attempt }),
            ...(publishingUntil !== undefined && { ":pending": true, ":until": publishingUntil.toISOString() }),
          },
        }),
      );
    },
    async failureEventSettled(tenantId, jobId) {
      await conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: "REMOVE failure_event_pending, publishing_until",
          // Never creates an item: a job deleted to its TTL meanwhile stays gone.
          ConditionExpression: "attribute_exists(failure_event_pending)",
        }),
      );
    },
    hold(tenantId, jobId, what, until) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: `SET ${HOLD_ATTRIBUTES[what]} = :until`,
          ConditionExpression: "attribute_exists(job_id) AND #status <> :deleted",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":until": until.toISOString(), ":deleted": "deleted" },
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
    async tombstone(tenantId, jobId, at, { force = false } = {}) {
      const deleted = await conditionally(() =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { tenant_id: tenantId, job_id: jobId },
            UpdateExpression:
              "SET #status = :deleted, updated_at = :at, deleted_at = :at REMOVE result_key, #error, callback, #options, idempotency_key, failure_event_pending, publishing_until, calling_back_until",
            ConditionExpression: `attribute_exists(job_id) AND #status <> :deleted${force ? "" : UNHELD}`,
            ExpressionAttributeNames: { "#status": "status", "#error": "error", "#options": "options" },
            ExpressionAttributeValues: { ":deleted": "deleted", ":at": at.toISOString() },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      if (deleted?.Attributes !== undefined) return { deleted: withoutIndexKey(deleted.Attributes) };
      if (force) return undefined;
      // Gone, deleted already, or held: only the record says which.
      const job = await get(tenantId, jobId);
      if (job === undefined || job.status === "deleted") return undefined;
      const holds = [job.publishingUntil, job.callingBackUntil].filter((until) => until !== undefined);
      return { heldUntil: holds.sort().at(-1) ?? at.toISOString() };
    },
    recordCallback(tenantId, jobId, callback) {
      return conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { tenant_id: tenantId, job_id: jobId },
          UpdateExpression: "SET callback = :callback REMOVE calling_back_until",
          ConditionExpression: "attribute_exists(job_id) AND #status <> :deleted",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":callback": callback, ":deleted": "deleted" },
        }),
      );
    },
    list: (tenantId, options) => listJobs({ documents, tableName, cursors }, tenantId, options),
  };
}
