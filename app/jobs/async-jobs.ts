import type { ObjectStore } from "../storage/object-store.js";
import type { JobStore } from "./job-store.js";
import type { JobSubmission } from "./job-submission.js";

/** What async jobs run on; absent settings make every job route answer 503 `async_unavailable`. */
export type AsyncJobs =
  | {
      available: true;
      store: JobStore;
      objects: ObjectStore;
      submit: JobSubmission;
      /** The longest a job is held from deletion while a worker sends its event or callback (`holdMs`). */
      maxHoldMs: number;
    }
  | { available: false; missing: string[] };
