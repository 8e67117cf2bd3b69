import { hasTimings } from "../domain/transcript.js";
import { askedOf, type JobRecord } from "../jobs/job-record.js";
import type { JobResult } from "../jobs/job-result.js";
import { WEBHOOK_TYPES, type JobEnding } from "./delivery-queue.js";

export interface PayloadInputs {
  job: JobRecord;
  ending: JobEnding;
  /** The completed job's result, when it has one: read, or only its stored size when that is too large to inline. */
  result?: JobResult | { storedBytes: number } | undefined;
  /** Transcript fields larger than this are left out, for the job's link to give. */
  maxInlineBytes: number;
  /** Where the API is, for absolute links; paths otherwise. */
  publicBaseUrl?: string | undefined;
  at: Date;
}

/** The URL without its trailing slashes: a loop, where `/\/+$/` would start again at every slash of a run. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === "/") end--;
  return url.slice(0, end);
}

/** Whether a completed job's subtitles can be asked for: its result has timings, or is not read here (too large to inline). */
const subtitled = (result: PayloadInputs["result"]) =>
  result === undefined || "storedBytes" in result || hasTimings(result);

/**
 * The JSON a callback receives: what ended, for whom, a link to the job (and its subtitles), and the same
 * transcript fields as the job's result when they fit in `maxInlineBytes`; otherwise `result_omitted` says
 * why, and the link gives them.
 */
export function webhookPayload({ job, ending, result, maxInlineBytes, publicBaseUrl, at }: PayloadInputs): string {
  const base = publicBaseUrl === undefined ? "" : withoutTrailingSlashes(publicBaseUrl);
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
    // As in `BatchProcessingFailed`: what the provider was asked, null when none was (a completed job's result has it).
    ...(ending === "failed" && { options: askedOf(job) }),
    links: {
      job: `${base}${jobPath}`,
      ...(ending === "completed" && subtitled(result) && { captions: `${base}${jobPath}/captions` }),
    },
  };
  const omitted = (bytes: number) =>
    JSON.stringify({ ...head, result_omitted: { bytes, max_inline_bytes: maxInlineBytes } });
  if (result === undefined) return JSON.stringify(head);
  if ("storedBytes" in result) return omitted(result.storedBytes);
  const bytes = Buffer.byteLength(JSON.stringify(result));
  return bytes > maxInlineBytes ? omitted(bytes) : JSON.stringify({ ...head, ...result });
}
