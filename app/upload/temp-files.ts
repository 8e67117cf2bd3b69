import { randomUUID } from "node:crypto";
import { readdir, rm, stat, statfs, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Every temporary file this service writes starts with this, so it only ever sweeps its own. */
const PREFIX = "upload-";

/**
 * The upload directory and the temporary files this process has open in it. Shutdown removes what is left
 * of abandoned requests; startup sweeps what an earlier process left behind (a crash, a kill).
 */
export function createTempFiles(directory: string) {
  const open = new Set<string>();

  return {
    directory,
    /** A new file path for a request, tracked until `release`. */
    create(interactionId: string): string {
      const path = join(directory, `${PREFIX}${interactionId}-${randomUUID()}`);
      open.add(path);
      return path;
    },
    /** Removes the file (if it exists) and stops tracking it; safe to call more than once. */
    async release(path: string): Promise<void> {
      await rm(path, { force: true });
      open.delete(path);
    },
    /** Stops tracking a path nothing was written to. */
    forget(path: string): void {
      open.delete(path);
    },
    /** Removes every tracked file: what requests abandoned at shutdown leave behind. */
    async releaseAll(): Promise<number> {
      const paths = [...open];
      await Promise.all(paths.map((path) => this.release(path)));
      return paths.length;
    },
    get openCount() {
      return open.size;
    },
    /** Removes this service's files older than `olderThanMs`: no request of ours can still be writing them. */
    async sweepStale(olderThanMs: number, now = Date.now()): Promise<number> {
      let removed = 0;
      for (const name of await readdir(directory)) {
        if (!name.startsWith(PREFIX)) continue;
        const path = join(directory, name);
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile() !== true || now - info.mtimeMs <= olderThanMs || open.has(path)) continue;
        await rm(path, { force: true });
        removed += 1;
      }
      return removed;
    },
    /** Bytes a non-root user may still write in the directory. */
    async freeBytes(): Promise<number> {
      const info = await statfs(directory);
      return info.bavail * info.bsize;
    },
    /**
     * Whether a file can be created and removed in the directory right now, and the directory is not marked
     * read-only (root can write through a mode of 0555, the service's user in production cannot).
     */
    async writable(): Promise<boolean> {
      const probe = join(directory, `.probe-${randomUUID()}`);
      try {
        if (((await stat(directory)).mode & 0o222) === 0) return false;
        await writeFile(probe, "");
        await unlink(probe);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export type TempFiles = ReturnType<typeof createTempFiles>;
