import { loadConfig } from "../app/config/config.js";
import { buildPublisher } from "../app/composition/adapters.js";
import { createLogger } from "../app/logger.js";
import { awsClients } from "../tools/aws-clients.js";
import { runCommand } from "../tools/cli/command-line.js";
import { CliFailure } from "../tools/cli/failures.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { verifyEventFlow } from "../tools/event-flow-verifier.js";
import { QUEUE_ENVIRONMENT, QUEUE_OPTIONS, readStackOutputs, resolveQueueUrl } from "../tools/queue-url.js";
import { readableLogStream } from "../tools/readable-log.js";

function seconds(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new CliFailure(EXIT.usage, `--${name} must be a number of seconds above 0, not ${JSON.stringify(value)}`);
  return parsed;
}

await runCommand(
  {
    command: "npm run verify",
    summary:
      "Proves that events flow: publishes a test BatchProcessingCompleted event through the service's own publisher,\n" +
      "polls the queue for it, checks the envelope and the detail against the contract, deletes its test message\n" +
      "and prints a short report. Other messages are put straight back.",
    options: {
      ...QUEUE_OPTIONS,
      interval: { type: "string", value: "<s>", default: "2", description: "seconds between polls" },
      timeout: { type: "string", value: "<s>", default: "30", description: "seconds to wait for the event" },
    },
    environment: {
      ...QUEUE_ENVIRONMENT,
      "EVENTBRIDGE_BUS_NAME, EVENT_SOURCE": "where and as what the test event is published (else the outputs' own)",
    },
    settingsFileOption: "outputs",
    exitCodes: [
      "ok",
      "failed",
      "credentials",
      "notFound",
      "invalidEvent",
      "usage",
      "noInput",
      "unavailable",
      "software",
      "config",
    ],
  },
  async (options) => {
    const intervalS = seconds("interval", options.interval);
    const timeoutS = seconds("timeout", options.timeout);
    // The deployed stack's own bus and source, when its outputs are given: the test event goes where it says.
    const stack = options.outputs === undefined ? {} : await readStackOutputs(options.outputs);
    const config = loadConfig({
      ...process.env,
      ...(stack.eventBusName !== undefined && { EVENTBRIDGE_BUS_NAME: stack.eventBusName }),
      ...(stack.eventSource !== undefined && { EVENT_SOURCE: stack.eventSource }),
    });
    const destination = readableLogStream();
    destination.pipe(process.stderr);
    // The report is the output; the publisher's own log lines only when asked for.
    const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel, destination });
    const queueUrl = await resolveQueueUrl({
      flag: options["queue-url"],
      env: config.queueUrl,
      outputsFile: options.outputs,
    });
    const { sqs } = awsClients(config.aws.region);
    return await verifyEventFlow({
      sqs,
      queueUrl,
      publisher: await buildPublisher(config, log),
      intervalMs: intervalS * 1000,
      timeoutMs: timeoutS * 1000,
      log,
      report: (line) => console.log(line),
    });
  },
);
