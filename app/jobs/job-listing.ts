import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fromJobItem, type JobItem, type JobRecord, type JobStatus } from "./job-record.js";
import { JOBS_TABLE_SCHEMA } from "./job-resources.js";
import type { CursorKey, ListCursors } from "./list-cursor.js";

/** The index that lists a tenant's jobs newest first. */
const JOBS_BY_CREATION_INDEX = JOBS_TABLE_SCHEMA.byCreatedIndex.name;

/** Reads one filtered page may take before it answers short (with a cursor to go on from), and items each evaluates. */
const MAX_READS_PER_PAGE = 10;
const ITEMS_PER_READ = 100;

export interface JobPage {
  jobs: JobRecord[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

export interface ListOptions {
  status?: JobStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * A page of the tenant's jobs, newest first. A status filter is applied after each read, so reads go on
 * until the page is full (at most `MAX_READS_PER_PAGE`), and the cursor points after the last job shown.
 */
export async function listJobs(
  { documents, tableName, cursors }: { documents: DynamoDBDocumentClient; tableName: string; cursors: ListCursors },
  tenantId: string,
  { status, limit, cursor }: ListOptions,
): Promise<JobPage> {
  const page: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined = cursor === undefined ? undefined : cursors.decode(cursor, tenantId);
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
}

/** The listing index's key of an item: where a page that ends with it goes on from. */
function keyOf(item: Record<string, unknown>): CursorKey {
  return {
    tenant_id: String(item.tenant_id),
    job_id: String(item.job_id),
    created_key: String(item.created_key),
  };
}

/** A stored item as a job: the listing index's own key is not part of it. */
export function withoutIndexKey(item: Record<string, unknown>): JobRecord {
  const { created_key: _, ...job } = item;
  return fromJobItem(job as unknown as JobItem);
}
