/**
 * The exit codes of every command-line tool, in one table: `verify`'s design codes 0–4, then the BSD
 * `sysexits.h` codes shells and supervisors already know. The README's table is this one.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  credentials: 2,
  notFound: 3,
  invalidEvent: 4,
  usage: 64,
  noInput: 66,
  unavailable: 69,
  software: 70,
  config: 78,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

export const EXIT_MEANINGS: Record<ExitName, string> = {
  ok: "done",
  failed:
    "what the tool checks did not hold (verify: the test event did not arrive in time; fuzz: a case went unanswered or got a 5xx)",
  credentials: "AWS credentials missing or rejected",
  notFound: "the queue (or another named AWS resource) does not exist",
  invalidEvent: "an event on the queue breaks the contract",
  usage: "usage error: an unknown option or a bad value",
  noInput: "an input file (such as --outputs) is missing or unreadable",
  unavailable: "an endpoint cannot be reached, or a port is in use",
  software: "an unexpected error (run with --debug for the stack)",
  config: "configuration error: a variable is wrong, or a required one (such as the emulator endpoint) is missing",
};
