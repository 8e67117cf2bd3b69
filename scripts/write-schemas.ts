import { writeFile } from "node:fs/promises";
import { completedEventJsonSchema, COMPLETED_EVENT_SCHEMA_PATH } from "../app/events/event-json-schema.js";

await writeFile(COMPLETED_EVENT_SCHEMA_PATH, `${JSON.stringify(completedEventJsonSchema(), null, 2)}\n`);
console.log(`wrote ${COMPLETED_EVENT_SCHEMA_PATH.pathname}`);
