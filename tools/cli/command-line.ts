import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { EXIT, EXIT_MEANINGS, type ExitCode, type ExitName } from "./exit-codes.js";
import { describeFailure } from "./failures.js";

/** Where `npm run dev` writes the local emulator's settings, read by every tool for what is not set. */
export const LOCAL_ENV_FILE = ".env.local";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  default?: string;
  /** The value's name in `--help`, for a string option (`<url>`). */
  value?: string;
  description: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** What the user types, as in `npm run consume`. */
  command: string;
  summary: string;
  options: O;
  /** Variables the tool reads, and what for. */
  environment?: Record<string, string>;
  exitCodes: ExitName[];
  /** False for the tool that writes `.env.local` (`npm run dev`), which must not read a stale one. */
  readsLocalEnv?: boolean;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K]["default"] extends string
      ? string
      : string | undefined;
};

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  debug: { type: "boolean", description: "print the stack of a failure, not only its line" },
  help: { type: "boolean", description: "this text" },
};

function optionName(name: string, option: OptionSpec): string {
  const flag = option.short === undefined ? `--${name}` : `-${option.short}, --${name}`;
  return option.type === "string" ? `${flag} ${option.value ?? "<value>"}` : flag;
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

export function usageLine(spec: CommandSpec<Record<string, OptionSpec>>): string {
  return `Usage: ${spec.command} -- [options]`;
}

/** The `--help` text: usage, what it does, options, environment, exit codes. */
export function helpText(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const options: Record<string, OptionSpec> = { ...spec.options, ...COMMON_OPTIONS };
  const sections = [
    usageLine(spec),
    spec.summary,
    `Options:\n${table(Object.entries(options).map(([name, option]) => [optionName(name, option), option.default === undefined ? option.description : `${option.description} (default: ${option.default})`]))}`,
  ];
  const environment = { ...spec.environment };
  if (Object.keys(environment).length > 0) {
    const source =
      spec.readsLocalEnv === false
        ? ""
        : ` (unset variables are read from ${LOCAL_ENV_FILE} when \`npm run dev\` wrote one)`;
    sections.push(`Environment${source}:\n${table(Object.entries(environment))}`);
  }
  sections.push(`Exit codes:\n${table(spec.exitCodes.map((name) => [String(EXIT[name]), EXIT_MEANINGS[name]]))}`);
  return `${sections.join("\n\n")}\n`;
}

function usageError(spec: CommandSpec<Record<string, OptionSpec>>, message: string): string {
  return `${spec.command}: ${message}\n${usageLine(spec)}\nRun \`${spec.command} -- --help\` for the options.\n`;
}

/** Reads `.env.local` from the working directory (as `npm run` sets it) without overriding what is set. */
export function loadLocalEnv(): void {
  if (existsSync(LOCAL_ENV_FILE)) process.loadEnvFile(LOCAL_ENV_FILE);
}

function isParseError(error: unknown): error is Error {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    (error as NodeJS.ErrnoException).code!.startsWith("ERR_PARSE_ARGS")
  );
}

/**
 * Runs a tool the same way for all of them: `--help` (exit 0), a one-line usage error (exit 64), `.env.local`
 * read, and every failure reported in one line with its exit code; stacks only under `--debug`.
 */
export async function runCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  main: (values: OptionValues<O>) => Promise<ExitCode | void>,
): Promise<never> {
  const options = Object.fromEntries(
    Object.entries<OptionSpec>({ ...spec.options, ...COMMON_OPTIONS }).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short !== undefined && { short: option.short }),
        ...(option.default !== undefined && { default: option.default }),
      },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }));
  } catch (error) {
    if (!isParseError(error)) throw error;
    // Older Node versions add a hint about positionals to an unknown option: the first sentence says it.
    process.stderr.write(usageError(spec, error.message.split(". To specify")[0] ?? error.message));
    process.exit(EXIT.usage);
  }
  if (values.help === true) {
    process.stdout.write(helpText(spec));
    process.exit(EXIT.ok);
  }
  const debug = values.debug === true;
  for (const [name, option] of Object.entries(spec.options)) if (option.type === "boolean") values[name] ??= false;
  let code: ExitCode;
  try {
    if (spec.readsLocalEnv !== false) loadLocalEnv();
    code = (await main(values as OptionValues<O>)) ?? EXIT.ok;
  } catch (error) {
    const failure = describeFailure(error);
    process.stderr.write(
      failure.exitCode === EXIT.usage ? usageError(spec, failure.message) : `${spec.command}: ${failure.message}\n`,
    );
    if (debug) process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    code = failure.exitCode;
  }
  process.exit(code);
}
