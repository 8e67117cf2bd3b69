import { readFileSync, rmSync } from "node:fs";

/** A pid file an engine leaves behind, and the command name of the process it names while that process runs. */
export type PidFile = { path: string; command: string };

/**
 * The pid files dockerd reads at start: its own, and the one of the containerd it manages. Either, left by an
 * engine that was killed, stops the next start when its pid now names another process ("pid file found", or a
 * wait for a containerd that is not there).
 */
export const ENGINE_PID_FILES: readonly PidFile[] = [
  { path: "/var/run/docker.pid", command: "dockerd" },
  { path: "/var/run/docker/containerd/containerd.pid", command: "containerd" },
];

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/** The command name of a running process, or undefined when no process has that pid. */
export const processCommand = (pid: number): string | undefined => read(`/proc/${pid}/comm`)?.trim();

/**
 * Removes each pid file whose pid no longer names the process that wrote it (none runs, or the pid was
 * reused), so that a fresh dockerd starts; a file naming its live engine is left alone. Returns what it removed.
 */
export function removeStalePidFiles(
  files: readonly PidFile[] = ENGINE_PID_FILES,
  commandOf: (pid: number) => string | undefined = processCommand,
): string[] {
  const removed: string[] = [];
  for (const { path, command } of files) {
    const text = read(path);
    if (text === undefined) continue;
    const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
    if (pid !== undefined && commandOf(pid) === command) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}
