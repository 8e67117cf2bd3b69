import { parseArgs } from "node:util";
import { loadConfig } from "../app/config.js";
import { createEventBridgePublisher } from "../app/events/event-publisher.js";
import { createLogger } from "../app/logger.js";
import { awsClients } from "../tools/aws-clients.js";
import { EXIT, verifyEventFlow } from "../tools/event-flow-verifier.js";
import { MissingQueueUrl, resolveQueueUrl } from "../tools/queue-url.js";

/**
 * `npm run verify [-- --queue-url URL | --outputs FILE] [--interval S] [--timeout S]`.
 * Exit codes: 0 received, 1 not received in time, 2 credential error, 3 queue not found, 4 event invalid.
 */
const { values } = parseArgs({
  options: {
    "queue-url": { type: "string" },
    outputs: { type: "string" },
    interval: { type: "string", default: "2" },
    timeout: { type: "string", default: "30" },
  },
});
const config = loadConfig(process.env);
// The report is the output; the publisher's own log lines only when asked for.
const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });

let queueUrl: string;
try {
  queueUrl = await resolveQueueUrl({ flag: values["queue-url"], env: config.queueUrl, outputsFile: values.outputs });
} catch (error) {
  if (!(error instanceof MissingQueueUrl)) throw error;
  console.log(`FAIL ${error.message}`);
  process.exit(EXIT.queueNotFound);
}

const { sqs, eventBridge } = awsClients(config.events.region);
const exitCode = await verifyEventFlow({
  sqs,
  queueUrl,
  publisher: createEventBridgePublisher({
    client: eventBridge,
    busName: config.events.busName,
    source: config.events.source,
    budgetMs: config.events.publishTimeoutMs,
    attemptTimeoutMs: config.events.attemptTimeoutMs,
    maxEntryBytes: config.events.maxEntryBytes,
  }),
  intervalMs: Number(values.interval) * 1000,
  timeoutMs: Number(values.timeout) * 1000,
  log: logger,
  report: (line) => console.log(line),
});
process.exit(exitCode);
