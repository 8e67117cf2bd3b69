import { createHash, randomUUID } from "node:crypto";
import type { JobResult } from "../../app/jobs/job-result.js";
import { objectKeys } from "../../app/storage/storage-layout.js";
import { Readable } from "node:stream";
import { writeFile } from "node:fs/promises";
import type { AsyncJobs } from "../../app/jobs/async-jobs.js";
import type { JobRecord, WorkMessage } from "../../app/jobs/job-record.js";
import { completedJob } from "./job-records.js";
import type { JobStore } from "../../app/jobs/job-store.js";
import { createJobSubmission } from "../../app/jobs/job-submission.js";
import type { ObjectStore } from "../../app/storage/object-store.js";

/**
 * The job ports in memory, for tests of the HTTP edge's shapes (the OpenAPI contract) that need no AWS;
 * the real adapters are tested against moto_server.
 */
export function memoryJobs(): AsyncJobs & {
  available: true;
  records: Map<string, JobRecord>;
  objects: ObjectStore;
  sent: WorkMessage[];
  /** A job as a worker would have left it: completed, its result in the store. */
  seedCompleted(tenantId: string, result: JobResult, options?: { expired?: boolean }): Promise<string>;
} {
  const records = new Map<string, JobRecord>();
  const blobs = new Map<string, Buffer>();
  const sent: WorkMessage[] = [];
  const keyOf = (tenantId: string, jobId: string) => `${tenantId}/${jobId}`;
  const store: JobStore = {
    create: (job) => {
      records.set(keyOf(job.tenantId, job.interactionId), job);
      return Promise.resolve();
    },
    get: (tenantId, jobId) => Promise.resolve(records.get(keyOf(tenantId, jobId))),
    claim: () => Promise.resolve(undefined),
    complete: () => Promise.resolve(false),
    fail: () => Promise.resolve(false),
    failureEventSettled: () => Promise.resolve(),
    hold: () => Promise.resolve(false),
    withdraw: (tenantId, jobId) => Promise.resolve(void records.delete(keyOf(tenantId, jobId))),
    tombstone(tenantId, jobId, at) {
      const job = records.get(keyOf(tenantId, jobId));
      if (job === undefined || job.status === "deleted") return Promise.resolve(undefined);
      records.set(keyOf(tenantId, jobId), {
        ...job,
        status: "deleted",
        updatedAt: at.toISOString(),
        resultKey: undefined,
        callback: undefined,
      });
      return Promise.resolve({ deleted: job });
    },
    recordCallback(tenantId, jobId, callback) {
      const job = records.get(keyOf(tenantId, jobId));
      if (job === undefined || job.status === "deleted") return Promise.resolve(false);
      records.set(keyOf(tenantId, jobId), { ...job, callback });
      return Promise.resolve(true);
    },
    list: (tenantId, { status, limit }) =>
      Promise.resolve({
        jobs: [...records.values()]
          .filter(
            (job) =>
              job.tenantId === tenantId && (status === undefined ? job.status !== "deleted" : job.status === status),
          )
          .slice(0, limit),
      }),
  };
  const objects: ObjectStore = {
    bucket: "memory",
    async upload(key: string, body: Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      blobs.set(key, Buffer.concat(chunks));
    },
    putJson(key, value) {
      return this.putText(key, JSON.stringify(value), "application/json");
    },
    putText(key, text) {
      const body = Buffer.from(text);
      blobs.set(key, body);
      return Promise.resolve({
        bucket: "memory",
        key,
        bytes: body.length,
        sha256: createHash("sha256").update(body).digest("hex"),
      });
    },
    getBytes: (key) => Promise.resolve(blobs.get(key)),
    open(key) {
      const blob = blobs.get(key);
      return Promise.resolve(blob && { body: Readable.from([blob]), bytes: blob.length });
    },
    async download(key, path) {
      const blob = blobs.get(key);
      if (blob === undefined) return undefined;
      await writeFile(path, blob);
      return blob.length;
    },
    exists: (key) => Promise.resolve(blobs.has(key)),
    presignGet: (key) => Promise.resolve(`memory://${key}`),
    delete: (key) => Promise.resolve(void blobs.delete(key)),
  };
  const queue = { send: (message: WorkMessage) => Promise.resolve(void sent.push(message)) };
  return {
    available: true,
    store,
    objects,
    submit: createJobSubmission({ store, queue, objects, retentionS: 3600 }),
    maxHoldMs: 1000,
    records,
    sent,
    async seedCompleted(tenantId, result, { expired = false } = {}) {
      const id = randomUUID();
      const resultKey = objectKeys.result(tenantId, id);
      await objects.putJson(resultKey, result);
      records.set(keyOf(tenantId, id), completedJob(tenantId, id, resultKey, { expired }));
      return id;
    },
  };
}
