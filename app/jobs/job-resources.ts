/**
 * The work queue's settings, shared by the Pulumi program, local provisioning and the worker: a message
 * received this many times without being finished moves to the work DLQ, and the worker marks its job
 * failed on the last of those receives.
 */
export const WORK_QUEUE = {
  maxReceiveCount: 3,
  /** The queue's own default; workers receive with WORKER_VISIBILITY_TIMEOUT_S and extend it by heartbeat. */
  visibilityTimeoutSeconds: 120,
  messageRetentionSeconds: 4 * 24 * 60 * 60,
  dlqMessageRetentionSeconds: 14 * 24 * 60 * 60,
} as const;

/** The jobs table's key schema and index, as the job store reads and writes them. */
export const JOBS_TABLE_SCHEMA = {
  hashKey: "tenant_id",
  rangeKey: "job_id",
  ttlAttribute: "expires_at",
  byCreatedIndex: { name: "by_created", hashKey: "tenant_id", rangeKey: "created_key" },
} as const;

/** The idempotency table: one item per tenant and key (`scope_key` = `{tenant}#{key}`), expiring by TTL. */
export const IDEMPOTENCY_TABLE_SCHEMA = {
  hashKey: "scope_key",
  ttlAttribute: "expires_at",
} as const;

/**
 * The webhook delivery queue: a delivery's tries are counted by its receives (at most `WEBHOOK_MAX_ATTEMPTS`,
 * itself at most 50), so only a message that cannot be processed at all reaches the DLQ, after this many.
 */
export const DELIVERY_QUEUE = {
  maxReceiveCount: 52,
  visibilityTimeoutSeconds: 30,
  messageRetentionSeconds: 4 * 24 * 60 * 60,
  dlqMessageRetentionSeconds: 14 * 24 * 60 * 60,
} as const;
