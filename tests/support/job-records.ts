import type { JobRecord } from "../../app/jobs/job-record.js";
import { objectKeys } from "../../app/storage/storage-layout.js";

/** A job completed just now, its result at `resultKey`: what a worker leaves behind, for reading tests. */
export function completedJob(
  tenantId: string,
  interactionId: string,
  resultKey: string,
  { expired = false } = {},
): JobRecord {
  const at = new Date().toISOString();
  return {
    tenantId,
    interactionId,
    userId: "system",
    accountId: null,
    status: "completed",
    createdAt: at,
    updatedAt: at,
    finishedAt: at,
    attempts: 1,
    uploadKey: objectKeys.upload(tenantId, interactionId),
    uploadBytes: 1,
    detected: { kind: "audio", mime: "audio/wav" },
    resultKey,
    expiresAt: Math.floor(Date.now() / 1000) + (expired ? -60 : 3600),
  };
}
