import { readFile } from "node:fs/promises";
import { EXIT } from "./cli/exit-codes.js";
import { CliFailure } from "./cli/failures.js";

/**
 * The queue to read, from (in order) `--queue-url`, `QUEUE_URL` (which `.env.local` can set), or a
 * stack-outputs file as `pulumi stack output --json` (or `npm run infra:local -- --json`) writes it.
 */
export async function resolveQueueUrl(sources: {
  flag?: string | undefined;
  env?: string | undefined;
  outputsFile?: string | undefined;
}): Promise<string> {
  if (sources.flag) return sources.flag;
  if (sources.env) return sources.env;
  if (sources.outputsFile) {
    const text = await readFile(sources.outputsFile, "utf8");
    let outputs: { queueUrl?: unknown };
    try {
      outputs = JSON.parse(text) as typeof outputs;
    } catch {
      throw new CliFailure(EXIT.noInput, `${sources.outputsFile} is not JSON (write it with \`pulumi stack output --json\`)`);
    }
    if (typeof outputs.queueUrl === "string" && outputs.queueUrl !== "") return outputs.queueUrl;
    throw new CliFailure(EXIT.noInput, `${sources.outputsFile} has no queueUrl output`);
  }
  throw new CliFailure(EXIT.config, "no queue URL: pass --queue-url, set QUEUE_URL, pass --outputs <stack outputs JSON>, or start `npm run dev`, which writes .env.local");
}
