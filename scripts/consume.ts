import { loadConfig } from "../app/config/config.js";
import { createLogger } from "../app/logger.js";
import { awsClients } from "../tools/aws-clients.js";
import { runCommand } from "../tools/cli/command-line.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { describeFailure, isCredentialError, isQueueMissing } from "../tools/cli/failures.js";
import { drainQueue } from "../tools/consumer/queue-drain.js";
import {
  createMessageHandler,
  createTranscriptsConsumer,
  printEvent,
  printEventJson,
} from "../tools/consumer/transcripts-consumer.js";
import { checkQueueAccess, QUEUE_ENVIRONMENT, QUEUE_OPTIONS, resolveQueueUrl } from "../tools/queue-url.js";
import { readableLogStream } from "../tools/readable-log.js";

/** Consecutive credential or connection failures while consuming before the tool gives up. */
const MAX_CONSECUTIVE_FAILURES = 3;

await runCommand(
  {
    command: "npm run consume",
    summary:
      "Prints the BatchProcessingCompleted and BatchProcessingFailed events arriving on the queue: one readable line\n" +
      "per event (time, type, tenant, interaction, transcript lengths, the first words of the cleaned transcript),\n" +
      "deleting each once printed. Runs until Ctrl-C, or with --once until the queue is empty.\n" +
      "Every receive of a message counts: after 3 (the queue's redrive policy) the next moves it to the DLQ,\n" +
      "which is why --peek puts back fresh copies rather than releasing what it read.",
    options: {
      ...QUEUE_OPTIONS,
      once: { type: "boolean", description: "print what is on the queue now, then exit" },
      peek: {
        type: "boolean",
        description:
          "print without consuming (implies --once): each message read is put back as a fresh copy, so a peek never\n" +
          "    spends one of the consumers' receives (the copy has a new message id; its receive count starts at 0)",
      },
      json: { type: "boolean", description: "one whole event per line, transcripts inline, for jq" },
    },
    environment: {
      ...QUEUE_ENVIRONMENT,
      LOG_LEVEL: "the tool's own log lines, on stderr (default info)",
    },
    exitCodes: ["ok", "credentials", "notFound", "usage", "noInput", "unavailable", "software", "config"],
    settingsFileOption: "outputs",
  },
  async (options) => {
    const config = loadConfig(process.env);
    const destination = readableLogStream();
    destination.pipe(process.stderr);
    const log = createLogger({ level: config.logLevel, destination });
    const queueUrl = await resolveQueueUrl({
      flag: options["queue-url"],
      env: config.queueUrl,
      outputsFile: options.outputs,
    });
    const { sqs, s3 } = awsClients(config.aws.region);
    await checkQueueAccess(sqs, queueUrl);

    const handler = options.json ? printEventJson() : printEvent();
    if (options.once || options.peek) {
      const { handled, putBack } = await drainQueue({
        sqs,
        queueUrl,
        handle: createMessageHandler({ s3, handler, log }),
        peek: options.peek,
        log,
      });
      log.debug({ handled }, "queue drained");
      if (options.peek)
        log.info({ handled, put_back: putBack }, `peeked ${handled}; ${putBack} put back as fresh copies`);
      return EXIT.ok;
    }

    const consumer = createTranscriptsConsumer({ sqs, s3, queueUrl, handler, log });
    log.info({ queue_url: queueUrl }, "consuming transcript events; Ctrl-C stops");
    return await new Promise((resolve, reject) => {
      let failures = 0;
      let stopping: Error | undefined;
      consumer.on("response_processed", () => (failures = 0));
      consumer.on("error", (error) => {
        // Credentials or the queue gone do not mend themselves: stop after a few tries, saying why.
        if (
          isQueueMissing(error) ||
          ((isCredentialError(error) || describeFailure(error).exitCode === EXIT.unavailable) &&
            ++failures >= MAX_CONSECUTIVE_FAILURES)
        ) {
          stopping ??= error;
          consumer.stop({ abort: true });
        }
      });
      // runCommand reports the error that stopped it, with that error's exit code.
      consumer.once("stopped", () => (stopping === undefined ? resolve(EXIT.ok) : reject(stopping)));
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => consumer.stop({ abort: false }));
      consumer.start();
    });
  },
);
