import { writeFile } from "node:fs/promises";
import { completedEventJsonSchema } from "../app/events/event-json-schema.js";
import { COMPLETED_EVENT_SCHEMA_PATH } from "./event-schema-file.js";

await writeFile(COMPLETED_EVENT_SCHEMA_PATH, `${JSON.stringify(completedEventJsonSchema(), null, 2)}\n`);
console.log(`wrote ${COMPLETED_EVENT_SCHEMA_PATH.pathname}`);
