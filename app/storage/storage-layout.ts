/**
 * Where things live in the bucket, named once: the object store, the idempotency store and the IAM
 * statements in `infra/` all read these prefixes. Every key below a prefix starts with its tenant (or, for
 * idempotency records, the tenant's scope).
 */
export const STORAGE_PREFIXES = {
  /** Uploads of async jobs, until the job is done with them. */
  uploads: "uploads",
  /** A finished job's result. */
  results: "results",
  /** Transcripts too large for an event (the claim check). */
  transcripts: "transcripts",
  /** `Idempotency-Key` answers too large for their DynamoDB item. */
  idempotency: "idempotency",
} as const;

export type StoragePrefix = keyof typeof STORAGE_PREFIXES;

/** The IAM resource pattern of everything under one prefix. */
export const underPrefix = (prefix: StoragePrefix) => `${STORAGE_PREFIXES[prefix]}/*`;

export const objectKeys = {
  upload: (tenantId: string, interactionId: string) => `${STORAGE_PREFIXES.uploads}/${tenantId}/${interactionId}`,
  result: (tenantId: string, interactionId: string) => `${STORAGE_PREFIXES.results}/${tenantId}/${interactionId}.json`,
  transcripts: (tenantId: string, interactionId: string) =>
    `${STORAGE_PREFIXES.transcripts}/${tenantId}/${interactionId}.json`,
  /** `keyHash`: the sha256 of the client's key, so no key appears in a bucket listing. */
  idempotencyAnswer: (scope: string, keyHash: string) => `${STORAGE_PREFIXES.idempotency}/${scope}/${keyHash}.json`,
};

/**
 * How long each kind of object is kept, in days, by the bucket's lifecycle rules (stack settings
 * `uploadRetentionDays`, `resultRetentionDays`); a job's record is kept as long as its result
 * (`JOB_RETENTION_DAYS`). Recorded `Idempotency-Key` answers go with the uploads.
 */
export const DEFAULT_RETENTION_DAYS = { uploads: 7, results: 30 } as const;
