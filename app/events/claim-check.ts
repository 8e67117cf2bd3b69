import type { ObjectStore } from "../storage/object-store.js";
import { objectKeys } from "../storage/storage-layout.js";
import {
  claimChecked,
  type BatchProcessingCompletedDetail,
  type InlineCompletedDetail,
} from "./batch-processing-completed.js";
import { putEventsEntry } from "./eventbridge-publisher.js";

export interface ClaimCheckOptions {
  store: ObjectStore;
  source: string;
  maxEntryBytes: number;
}

/** What a claim check returns: the detail to publish, and whether its transcripts went to the store. */
export type ClaimCheck = (detail: InlineCompletedDetail) => Promise<BatchProcessingCompletedDetail>;

/**
 * EventBridge's guidance for events over its entry limit: store the payload, publish a reference. A detail
 * that fits goes out as it is (v1.2); one that does not has its transcripts written to the bucket and
 * carries `transcripts_ref` (v1.3) with the object's size and sha256, so a consumer can check what it reads.
 */
export function createClaimCheck(options: ClaimCheckOptions): ClaimCheck {
  return async (detail) => {
    // Measured as the publisher measures it: transcripts already past the limit are not serialised to know it.
    const { entry, bytes } = putEventsEntry(detail, options);
    if (entry !== undefined && bytes <= options.maxEntryBytes) return detail;
    const { raw_transcript: raw, cleaned_transcript: cleaned, words } = detail.data;
    const stored = await options.store.putJson(objectKeys.transcripts(detail.tenant_id, detail.interaction_id), {
      raw_transcript: raw,
      cleaned_transcript: cleaned,
      ...(words !== undefined && { words }),
    });
    return claimChecked(detail, {
      bucket: stored.bucket,
      key: stored.key,
      bytes: stored.bytes,
      sha256: stored.sha256,
      raw_bytes: Buffer.byteLength(raw),
      cleaned_bytes: Buffer.byteLength(cleaned),
    });
  };
}
