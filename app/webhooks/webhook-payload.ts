import type { JobRecord } from "../jobs/job-record.js";
import type { JobResult } from "../jobs/job-result.js";
import { WEBHOOK_TYPES, type JobEnding } from "./delivery-queue.js";

export interface PayloadInputs {
  job: JobRecord;
  ending: JobEnding;
  /** The completed job's result, when it has one. */
  result?: JobResult | undefined;
  /** Transcript fields larger than this are left out, for the job's link to give. */
  maxInlineBytes: number;
  /** Where the API is, for absolute links; paths otherwise. */
  publicBaseUrl?: string | undefined;
  at: Date;
}

/**
 * The JSON a callback receives: what ended, for whom, a link to the job (and its subtitles), and the same
 * transcript fields as the job's result when they fit in `maxInlineBytes`; otherwise `result_omitted` says
 * why, and the link gives them.
 */
export function webhookPayload({ job, ending, result, maxInlineBytes, publicBaseUrl, at }: PayloadInputs): string {
  const base = publicBaseUrl?.replace(/\/+$/, "") ?? "";
  const jobPath = `/batch/jobs/${job.interactionId}`;
  const head = {
    type: WEBHOOK_TYPES[ending],
    timestamp: at.toISOString(),
    interaction_id: job.interactionId,
    tenant_id: job.tenantId,
    user_id: job.userId,
    account_id: job.accountId,
    status: ending,
    ...(ending === "failed" && job.error !== undefined && { error: job.error }),
    links: {
      job: `${base}${jobPath}`,
      ...(ending === "completed" && { captions: `${base}${jobPath}/captions` }),
    },
  };
  if (result === undefined) return JSON.stringify(head);
  const inline = JSON.stringify(result);
  if (Buffer.byteLength(inline) > maxInlineBytes)
    return JSON.stringify({
      ...head,
      result_omitted: { bytes: Buffer.byteLength(inline), max_inline_bytes: maxInlineBytes },
    });
  return JSON.stringify({ ...head, ...result });
}
