/** Where the events' JSON Schemas are committed for consumers; `npm run schemas` writes them. */
export const COMPLETED_EVENT_SCHEMA_PATH = new URL("../schemas/batch-processing-completed.v1.json", import.meta.url);
export const FAILED_EVENT_SCHEMA_PATH = new URL("../schemas/batch-processing-failed.v1.json", import.meta.url);
