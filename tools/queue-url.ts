import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { OptionSpec } from "./cli/command-line.js";
import { EXIT } from "./cli/exit-codes.js";
import { CliFailure, isQueueMissing } from "./cli/failures.js";

/**
 * A stack-outputs file as `pulumi stack output --json` (or `npm run infra:local -- --json`) writes it: its
 * string values. A missing or unreadable file is exit 66, and so is one that is not a JSON object.
 */
export async function readStackOutputs(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliFailure(EXIT.noInput, `cannot read ${file} (write it with \`pulumi stack output --json > ${file}\`)`, {
      cause: error,
    });
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    outputs = undefined;
  }
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs))
    throw new CliFailure(EXIT.noInput, `${file} is not a JSON object (write it with \`pulumi stack output --json\`)`);
  return Object.fromEntries(
    Object.entries(outputs).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/**
 * The queue to read, from (in order) `--queue-url`, the `--outputs` file's `queueUrl` (its value, or a
 * failure: never a silent fallback to the environment), then `QUEUE_URL` (which `.env` or `.env.local` can set).
 */
export async function resolveQueueUrl(sources: {
  flag?: string | undefined;
  env?: string | undefined;
  outputsFile?: string | undefined;
}): Promise<string> {
  if (sources.flag !== undefined && sources.outputsFile !== undefined)
    throw new CliFailure(EXIT.usage, "--queue-url and --outputs both name the queue: pass one of them");
  if (sources.flag) return sources.flag;
  if (sources.outputsFile !== undefined) {
    const { queueUrl } = await readStackOutputs(sources.outputsFile);
    if (queueUrl !== undefined && queueUrl !== "") return queueUrl;
    throw new CliFailure(EXIT.noInput, `${sources.outputsFile} has no queueUrl output`);
  }
  if (sources.env) return sources.env;
  throw new CliFailure(
    EXIT.config,
    "no queue URL: pass --queue-url, set QUEUE_URL, pass --outputs <stack outputs JSON>, or start `npm run dev`, which writes .env.local",
  );
}

/** The options that name the queue, the same for every tool that reads one. */
export const QUEUE_OPTIONS = {
  "queue-url": { type: "string", value: "<url>", description: "the queue the rule delivers to (else QUEUE_URL)" },
  outputs: {
    type: "string",
    value: "<file>",
    description:
      "a deployed stack's outputs JSON (`pulumi stack output --json`): its queueUrl, and .env.local is not read",
  },
} satisfies Record<string, OptionSpec>;

/** The variables that reach the queue, the same for every tool that reads one. */
export const QUEUE_ENVIRONMENT = {
  QUEUE_URL: "the queue the rule delivers to",
  AWS_ENDPOINT_URL: "an AWS-compatible endpoint (the local emulator)",
  AWS_REGION: "the queue's region (default us-east-1)",
  "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY": "credentials (or any source of the SDK's default chain)",
};

/**
 * Checks that the credentials resolve and the queue exists before any work, trying `attempts` times a
 * second or two apart (credentials can be a moment late, an emulator a moment slow), then failing with
 * the last error. A queue that does not exist fails at once.
 */
export async function checkQueueAccess(
  sqs: SQSClient,
  queueUrl: string,
  { attempts = 3, delayMs = 1000 } = {},
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sqs.config.credentials();
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
      return;
    } catch (error) {
      if (isQueueMissing(error))
        throw new CliFailure(EXIT.notFound, `the queue does not exist: ${queueUrl}`, { cause: error });
      if (attempt >= attempts) throw error;
      await sleep(delayMs * attempt);
    }
  }
}
