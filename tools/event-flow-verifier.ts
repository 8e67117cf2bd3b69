import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import * as v from "valibot";
import {
  BatchProcessingCompletedV1,
  buildCompletedEvent,
  DETAIL_TYPE,
} from "../app/events/batch-processing-completed.js";
import type { EventPublisher } from "../app/events/event-publisher.js";
import type { Logger } from "../app/logger.js";
import { EXIT, type ExitCode } from "./cli/exit-codes.js";
import { isCredentialError, isCredentialErrorName, isQueueMissing } from "./cli/failures.js";
import { checkQueueAccess } from "./queue-url.js";

export interface VerifyOptions {
  sqs: SQSClient;
  publisher: EventPublisher;
  queueUrl: string;
  intervalMs: number;
  timeoutMs: number;
  log: Logger;
  report: (line: string) => void;
}

/**
 * Proves that events flow: publishes a test event through the service's own publisher, polls the queue
 * for it, checks the envelope and the detail against the contract, deletes it, and says how it went.
 * Messages that are not its own are put back at once for their consumers.
 */
export async function verifyEventFlow(options: VerifyOptions): Promise<ExitCode> {
  const { sqs, queueUrl, report } = options;
  try {
    await checkQueueAccess(sqs, queueUrl, { attempts: 1 });
  } catch (error) {
    if (isQueueMissing(error)) {
      report(`FAIL queue not found: ${queueUrl}`);
      return EXIT.notFound;
    }
    if (isCredentialError(error)) {
      report(`FAIL credentials: ${(error as Error).message}`);
      return EXIT.credentials;
    }
    throw error;
  }

  const interactionId = randomUUID();
  const outcome = await options.publisher.publish(
    buildCompletedEvent({
      interactionId,
      tenantId: randomUUID(),
      userId: "event-flow-verifier",
      accountId: null,
      rawTranscript: "Test raw transcript",
      cleanedTranscript: "Test cleaned transcript",
      completedAt: new Date(),
    }),
    { log: options.log.child({ interaction_id: interactionId }) },
  );
  if (outcome.status !== "published") {
    report(`FAIL test event not published (${outcome.status}: ${outcome.error})`);
    return isCredentialErrorName(outcome.error) || outcome.error === "no_credentials" ? EXIT.credentials : EXIT.failed;
  }
  report(`published test event ${outcome.eventId} (interaction ${interactionId}); polling ${queueUrl}`);

  const started = Date.now();
  while (Date.now() - started <= options.timeoutMs) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of messages) {
      const verdict = inspect(message, interactionId);
      if (verdict === "ours") {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        report(
          `OK received after ${((Date.now() - started) / 1000).toFixed(1)} s; envelope and detail valid; test message deleted`,
        );
        return EXIT.ok;
      }
      if (typeof verdict === "object") {
        report(`FAIL a ${DETAIL_TYPE} message on the queue breaks the contract: ${verdict.invalid}`);
        return EXIT.invalidEvent;
      }
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    await sleep(options.intervalMs);
  }
  report(`FAIL test event not received within ${options.timeoutMs / 1000} s`);
  return EXIT.failed;
}

/** Ours, someone else's, or a contract event whose detail is invalid (with the first problem found). */
function inspect(message: Message, interactionId: string): "ours" | "other" | { invalid: string } {
  let envelope: { "detail-type"?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(message.Body ?? "") as typeof envelope;
  } catch {
    return "other";
  }
  if (envelope["detail-type"] !== DETAIL_TYPE) return "other";
  const parsed = v.safeParse(BatchProcessingCompletedV1, envelope.detail);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return { invalid: `${v.getDotPath(issue) ?? "detail"}: ${issue.message}` };
  }
  return parsed.output.interaction_id === interactionId ? "ours" : "other";
}
