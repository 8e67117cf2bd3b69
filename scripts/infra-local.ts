import { parseArgs } from "node:util";
import { loadConfig } from "../app/config.js";
import { awsClients } from "../tools/aws-clients.js";
import { physicalNames } from "../infra/settings.js";
import { provisionLocalPipeline } from "../tools/local-provisioner.js";

/**
 * `npm run infra:local [-- --json] [--prefix NAME]`: the stack's queues, policies, rule and target on
 * AWS_ENDPOINT_URL, under the design's names or, with `--prefix`, under `NAME-queue`, `NAME-dlq`, ….
 */
const { values } = parseArgs({ options: { json: { type: "boolean", default: false }, prefix: { type: "string" } } });
const { events } = loadConfig(process.env);
const outputs = await provisionLocalPipeline({
  ...awsClients(events.region),
  busName: events.busName,
  source: events.source,
  names: physicalNames(values.prefix === undefined ? "design" : { prefix: values.prefix }),
  log: values.json ? undefined : (line) => console.error(line),
});
if (values.json) console.log(JSON.stringify(outputs, null, 2));
else for (const [key, value] of Object.entries(outputs)) console.log(`${key}: ${value ?? "(none locally)"}`);
