import { readFile } from "node:fs/promises";

export class MissingQueueUrl extends Error {
  override readonly name = "MissingQueueUrl";
}

/**
 * The queue to read, from (in order) `--queue-url`, `QUEUE_URL`, or a stack-outputs file as
 * `pulumi stack output --json` (or `npm run infra:local -- --json`) writes it.
 */
export async function resolveQueueUrl(sources: {
  flag?: string | undefined;
  env?: string | undefined;
  outputsFile?: string | undefined;
}): Promise<string> {
  if (sources.flag) return sources.flag;
  if (sources.env) return sources.env;
  if (sources.outputsFile) {
    const outputs = JSON.parse(await readFile(sources.outputsFile, "utf8")) as { queueUrl?: unknown };
    if (typeof outputs.queueUrl === "string" && outputs.queueUrl !== "") return outputs.queueUrl;
    throw new MissingQueueUrl(`${sources.outputsFile} has no queueUrl output`);
  }
  throw new MissingQueueUrl("no queue URL: pass --queue-url, set QUEUE_URL, or pass --outputs <stack outputs JSON>");
}
