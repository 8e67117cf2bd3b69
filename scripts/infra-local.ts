import { parseArgs } from "node:util";
import { loadConfig } from "../app/config.js";
import { awsClients } from "../tools/aws-clients.js";
import { jobNames, physicalNames } from "../infra/settings.js";
import { provisionLocalJobs, provisionLocalPipeline } from "../tools/local-provisioner.js";

/**
 * `npm run infra:local [-- --json] [--prefix NAME]`: the stack's queues, policies, rule and target, and the async jobs' bucket, work queue and table, on
 * AWS_ENDPOINT_URL, under the design's names or, with `--prefix`, under `NAME-queue`, `NAME-dlq`, `NAME-uploads`, `NAME-jobs`, ….
 */
const { values } = parseArgs({ options: { json: { type: "boolean", default: false }, prefix: { type: "string" } } });
const { events } = loadConfig(process.env);
const clients = awsClients(events.region);
const naming = values.prefix === undefined ? "design" : { prefix: values.prefix };
const log = values.json ? undefined : (line: string) => console.error(line);
const outputs = {
  ...(await provisionLocalPipeline({ ...clients, busName: events.busName, source: events.source, names: physicalNames(naming), log })),
  ...(await provisionLocalJobs({ ...clients, names: jobNames(naming), log })),
};
if (values.json) console.log(JSON.stringify(outputs, null, 2));
else for (const [key, value] of Object.entries(outputs)) console.log(`${key}: ${value ?? "(none locally)"}`);
