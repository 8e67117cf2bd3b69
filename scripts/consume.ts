import { parseArgs } from "node:util";
import { loadConfig } from "../app/config.js";
import { createTranscriptsConsumer, printEvent } from "../tools/consumer/transcripts-consumer.js";
import { createLogger } from "../app/logger.js";
import { awsClients } from "../tools/aws-clients.js";
import { MissingQueueUrl, resolveQueueUrl } from "../tools/queue-url.js";

/** `npm run consume [-- --queue-url URL | --outputs FILE]`: prints each transcript event (completed or failed). */
const { values } = parseArgs({ options: { "queue-url": { type: "string" }, outputs: { type: "string" } } });
const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel });

let queueUrl: string;
try {
  queueUrl = await resolveQueueUrl({ flag: values["queue-url"], env: config.queueUrl, outputsFile: values.outputs });
} catch (error) {
  if (!(error instanceof MissingQueueUrl)) throw error;
  console.error(error.message);
  process.exit(2);
}

const clients = awsClients(config.events.region);
const consumer = createTranscriptsConsumer({ sqs: clients.sqs, s3: clients.s3, queueUrl, handler: printEvent(), log: logger });
consumer.start();
logger.info({ queue_url: queueUrl }, "consuming BatchProcessingCompleted and BatchProcessingFailed events");
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    consumer.once("stopped", () => process.exit(0));
    consumer.stop({ abort: false });
  });
}
