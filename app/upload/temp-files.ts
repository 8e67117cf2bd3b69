import { randomUUID } from "node:crypto";
import { readdir, rm, stat, statfs, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Every temporary file this service writes starts with this, so it only ever sweeps its own. */
const PREFIX = "upload-";

/**
 * How long one reading of the free space serves every upload that asks: under load each upload asked the
 * filesystem (2% of the audio path's CPU), and a disk that fills meanwhile still fails its write (507).
 */
export const FREE_SPACE_REUSE_MS = 250;

/**
 * The upload directory and the temporary files this process has open in it. Shutdown removes what is left
 * of abandoned requests; startup sweeps what an earlier process left behind (a crash, a kill).
 */
export function createTempFiles(directory: string, now: () => number = performance.now.bind(performance)) {
  const open = new Set<string>();
  let freeSpace: { at: number; bytes: Promise<number> } | undefined;

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
    freeBytes(): Promise<number> {
      if (freeSpace === undefined || now() - freeSpace.at > FREE_SPACE_REUSE_MS) {
        const bytes = statfs(directory).then((info) => info.bavail * info.bsize);
        // A failed reading is not kept: the next upload asks again.
        bytes.catch(() => {
          if (freeSpace?.bytes === bytes) freeSpace = undefined;
        });
        freeSpace = { at: now(), bytes };
      }
      return freeSpace.bytes;
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
