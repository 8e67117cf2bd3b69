import { parseArgs } from "node:util";
import { ENV_FILE, LOCAL_ENV_FILE, loadEnvFiles, type SettingSource } from "../../app/env/env-files.js";
import { EXIT, EXIT_MEANINGS, type ExitCode, type ExitName } from "./exit-codes.js";
import { describeFailure } from "./failures.js";

export { LOCAL_ENV_FILE };

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
  /**
   * An option naming a file of settings for a deployed stack (`--outputs`): given, it replaces `.env.local`
   * (the emulator's settings), which is then not read.
   */
  settingsFileOption?: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K]["default"] extends string
      ? string
      : string | undefined;
};

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  debug: {
    type: "boolean",
    description: "print where each setting came from, and the stack of a failure, not only its line",
  },
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
    const files = spec.readsLocalEnv === false ? ENV_FILE : `${ENV_FILE}, then ${LOCAL_ENV_FILE}`;
    sections.push(
      `Environment (a flag wins over the environment, which wins over ${files}, then the defaults):\n${table(Object.entries(environment))}`,
    );
  }
  sections.push(`Exit codes:\n${table(spec.exitCodes.map((name) => [String(EXIT[name]), EXIT_MEANINGS[name]]))}`);
  return `${sections.join("\n\n")}\n`;
}

function usageError(spec: CommandSpec<Record<string, OptionSpec>>, message: string): string {
  return `${spec.command}: ${message}\n${usageLine(spec)}\nRun \`${spec.command} -- --help\` for the options.\n`;
}

/** The variable names a tool's environment table lists (`A, B` rows name several; `…` is not a name). */
function variableNames(environment: Record<string, string> | undefined): string[] {
  return Object.keys(environment ?? {}).flatMap((row) =>
    row
      .split(",")
      .map((name) => name.trim())
      .filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name)),
  );
}

/** `--debug`'s account of the settings: each flag given, and each variable's source (never its value). */
function settingsReport(
  spec: CommandSpec<Record<string, OptionSpec>>,
  given: string[],
  sources: Map<string, SettingSource>,
): string {
  const rows: Array<[string, string]> = [
    ...given.map((name): [string, string] => [`--${name}`, "the command line"]),
    ...variableNames(spec.environment).map((name): [string, string] => [name, sources.get(name) ?? "unset (default)"]),
  ];
  return `${spec.command}: settings and where they came from\n${table(rows)}\n`;
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
    const settingsFile = spec.settingsFileOption === undefined ? undefined : values[spec.settingsFileOption];
    const files: Array<typeof ENV_FILE | typeof LOCAL_ENV_FILE> =
      spec.readsLocalEnv === false || settingsFile !== undefined ? [ENV_FILE] : [ENV_FILE, LOCAL_ENV_FILE];
    const sources = loadEnvFiles(files);
    if (debug) {
      const given = Object.keys(spec.options).filter((name) =>
        process.argv.slice(2).some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`)),
      );
      process.stderr.write(settingsReport(spec, given, sources));
    }
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
