import { spawn, type ChildProcess } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import type { Readable, Writable } from "node:stream";

export interface SupervisedChild {
  /** Stops the child the way the service stops in production (SIGTERM, its graceful shutdown), then ends. */
  stop(): Promise<void>;
  /** Resolves when the child exits on its own (not stopped, not restarted), with its exit code. */
  readonly crashed: Promise<number | null>;
}

export interface SupervisorOptions {
  /** The command: `[program, ...args]`. */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How long the child has to stop after SIGTERM before its whole process group is killed. */
  stopLimitMs: number;
  /** Folders whose changes restart the child, gracefully; none: no watching. */
  watchDirs?: string[];
  /** Which changed files count (default: TypeScript and JSON). */
  watches?: (file: string) => boolean;
  /** Where the child's stdout goes, through `pipeOut`'s transform (a readable log, say). */
  pipeOut: (stdout: Readable) => Readable;
  out: Writable;
  log: (line: string) => void;
  /** How long changes settle before a restart. */
  debounceMs?: number;
}

const ofSource = (file: string) => /\.(ts|json)$/.test(file);

/**
 * Runs a child in its own process group, so a terminal's Ctrl-C reaches only the supervisor, which then gives
 * the child its graceful shutdown. A change in `watchDirs` restarts it the same way: SIGTERM, wait for it to
 * finish its in-flight requests, then start it again (what `tsx watch` does with a kill instead).
 */
export function superviseChild(options: SupervisorOptions): SupervisedChild {
  let child: ChildProcess;
  let stopping = false;
  let restarting = false;
  let crashed!: (code: number | null) => void;
  const crash = new Promise<number | null>((resolve) => (crashed = resolve));

  const start = () => {
    const [program, ...args] = options.command;
    child = spawn(program!, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    options.pipeOut(child.stdout!).pipe(options.out, { end: false });
    const current = child;
    current.once("exit", (code) => {
      if (stopping || restarting || current !== child) return;
      if (options.watchDirs === undefined) crashed(code);
      else options.log(`${options.command.at(-1)} exited (code ${code}); it starts again at the next change.`);
    });
  };

  const stopCurrent = (): Promise<void> => {
    const current = child;
    if (current.exitCode !== null || current.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => killGroup(current, "SIGKILL"), options.stopLimitMs);
      current.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      current.kill("SIGTERM");
    });
  };

  let watchers: FSWatcher[] = [];
  let pending: NodeJS.Timeout | undefined;
  const restart = async () => {
    if (stopping || restarting) return;
    restarting = true;
    options.log(`change seen: restarting ${options.command.at(-1)} once its requests finish`);
    await stopCurrent();
    restarting = false;
    if (!stopping) start();
  };
  const watches = options.watches ?? ofSource;
  watchers = (options.watchDirs ?? []).map((dir) =>
    watch(dir, { recursive: true }, (_event, file) => {
      if (file === null || !watches(file)) return;
      clearTimeout(pending);
      pending = setTimeout(() => void restart(), options.debounceMs ?? 200);
    }),
  );

  start();
  return {
    crashed: crash,
    async stop() {
      stopping = true;
      clearTimeout(pending);
      for (const watcher of watchers) watcher.close();
      await stopCurrent();
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}
