import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Consumer } from "sqs-consumer";
import { createTranscriptsConsumer, type ReceivedTranscriptEvent } from "../../tools/consumer/transcripts-consumer.js";
import { captureLogger } from "./capture-logger.js";

/** The downstream consumer on a queue, started, collecting what its handler is given. */
export function collectingConsumer(
  clients: { sqs: SQSClient; s3?: S3Client },
  queueUrl: string,
  options: { visibilityTimeout?: number } = {},
) {
  const handled: ReceivedTranscriptEvent[] = [];
  const logs = captureLogger();
  const consumer: Consumer = createTranscriptsConsumer({
    sqs: clients.sqs,
    ...(clients.s3 && { s3: clients.s3 }),
    queueUrl,
    log: logs.logger,
    waitTimeSeconds: 1,
    ...options,
    handler: (event) => {
      handled.push(event);
      return Promise.resolve();
    },
  });
  consumer.start();
  return { consumer, handled, logs };
}
