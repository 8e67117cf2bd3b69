import { writeFile } from "node:fs/promises";
import { completedEventJsonSchema, failedEventJsonSchema } from "../app/events/event-json-schema.js";
import { COMPLETED_EVENT_SCHEMA_PATH, FAILED_EVENT_SCHEMA_PATH } from "./event-schema-file.js";

for (const [path, schema] of [
  [COMPLETED_EVENT_SCHEMA_PATH, completedEventJsonSchema()],
  [FAILED_EVENT_SCHEMA_PATH, failedEventJsonSchema()],
] as const) {
  await writeFile(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path.pathname}`);
}
