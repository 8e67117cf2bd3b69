import { parseArgs } from "node:util";

/** The worker's exit codes (README, "Docker and Railway"); 64 is the tools' usage error. */
export const WORKER_EXIT = { stopped: 0, configuration: 1, jobSettingsMissing: 2, usage: 64 } as const;

const HELP = `Usage: npm run worker -- [--help]   (in the image: node dist/app/worker.js)

The async job worker: takes jobs from the work queue, transcribes and cleans them, stores each result,
publishes its event and sends its callback; with WORK_DLQ_URL it also ends the jobs dead-lettered there as
failed. It serves no HTTP. SIGTERM or SIGINT stops it gracefully: running jobs finish within
SHUTDOWN_GRACE_MS, the rest go back to the queue.

Environment (the environment wins over .env, which wins over .env.local; every variable of the service):
  UPLOAD_BUCKET, WORK_QUEUE_URL, JOBS_TABLE  required (the stack outputs uploadBucketName, workQueueUrl, jobsTableName)
  WORK_DLQ_URL                               end dead-lettered jobs as failed
  WEBHOOK_QUEUE_URL, WEBHOOK_SECRET          send job callbacks
  DEEPGRAM_API_KEY, OPENAI_API_KEY           transcribe audio, clean with a model

Exit codes:
  0   stopped gracefully (SIGTERM, SIGINT)
  1   configuration error (named on stderr)
  2   UPLOAD_BUCKET, WORK_QUEUE_URL or JOBS_TABLE is missing
  64  usage error: an unknown option
`;

/** `--help` prints the worker's usage and exits 0; anything else on the command line is a usage error (64). */
export function readWorkerArguments(args: string[]): void {
  try {
    const { values } = parseArgs({ args, options: { help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help !== true) return;
    process.stdout.write(HELP);
    process.exit(WORKER_EXIT.stopped);
  } catch (error) {
    process.stderr.write(
      `npm run worker: ${error instanceof Error ? (error.message.split(". To specify")[0] ?? error.message) : String(error)}\nRun \`npm run worker -- --help\` for the options.\n`,
    );
    process.exit(WORKER_EXIT.usage);
  }
}
