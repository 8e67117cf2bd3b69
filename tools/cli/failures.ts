import { ConfigError } from "../../app/config/config.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

/** An expected failure a tool reports in one line, with the exit code that says what kind it is. */
export class CliFailure extends Error {
  override readonly name = "CliFailure";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The AWS error names that mean "who you are" is missing or refused. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "AccessDenied",
  "AccessDeniedException",
  "NotAuthorizedForSourceException",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** An error and the causes it wraps (sqs-consumer wraps the SDK's error in its own). */
function* causes(error: unknown): Generator<Error> {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++)
    yield current;
}

/** The error in the chain that says what happened, if any does. */
function findCause(error: unknown, test: (cause: Error) => boolean): Error | undefined {
  for (const cause of causes(error)) if (test(cause)) return cause;
  return undefined;
}

export function isCredentialErrorName(name: string): boolean {
  return CREDENTIAL_ERRORS.has(name);
}

export function isCredentialError(error: unknown): boolean {
  return findCause(error, (cause) => CREDENTIAL_ERRORS.has(cause.name)) !== undefined;
}

export function isQueueMissing(error: unknown): boolean {
  return (
    findCause(error, (cause) => cause.name === "QueueDoesNotExist" || /NonExistentQueue/.test(cause.name)) !== undefined
  );
}

/** The system error code of a failed connection, looking inside the AggregateError of a dual-stack attempt. */
export function networkCode(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
    if (cause instanceof AggregateError) {
      const inner = cause.errors
        .map((each: unknown) => (each as NodeJS.ErrnoException).code)
        .find((each) => each !== undefined && NETWORK_CODES.has(each));
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

const CREDENTIALS_HELP =
  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run `npm run dev`, which writes the local emulator's to .env.local";

/** What went wrong, in one line, and the exit code for it; unknown errors are the tool's own fault (70). */
export function describeFailure(error: unknown): { exitCode: ExitCode; message: string } {
  if (error instanceof CliFailure) return { exitCode: error.exitCode, message: error.message };
  if (error instanceof ConfigError) return { exitCode: EXIT.config, message: error.message };
  const credentials = findCause(error, (cause) => CREDENTIAL_ERRORS.has(cause.name));
  if (credentials !== undefined) {
    return {
      exitCode: EXIT.credentials,
      message: `AWS credentials are missing or were rejected (${credentials.name}): ${CREDENTIALS_HELP}`,
    };
  }
  if (isQueueMissing(error))
    return { exitCode: EXIT.notFound, message: "the queue does not exist: check --queue-url or QUEUE_URL" };
  const network = networkCode(error);
  if (network !== undefined) {
    const endpoint = process.env.AWS_ENDPOINT_URL ?? "AWS";
    return {
      exitCode: EXIT.unavailable,
      message: `cannot reach ${endpoint} (${network}): is the emulator running (\`npm run dev\`), and is AWS_ENDPOINT_URL right?`,
    };
  }
  const errno = error as NodeJS.ErrnoException;
  if (errno instanceof Error && (errno.code === "ENOENT" || errno.code === "EACCES") && errno.path !== undefined) {
    return { exitCode: EXIT.noInput, message: `cannot read ${errno.path} (${errno.code})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.software, message: `unexpected error: ${message} (run with --debug for the stack)` };
}
