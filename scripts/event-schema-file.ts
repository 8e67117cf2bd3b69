/** Where the event's JSON Schema is committed for consumers; `npm run schemas` writes it. */
export const COMPLETED_EVENT_SCHEMA_PATH = new URL("../schemas/batch-processing-completed.v1.json", import.meta.url);
