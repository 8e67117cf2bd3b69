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

/** A temporary file this process has open: whose request it serves, and the bytes written to it so far. */
interface OpenFile {
  tenantId: string | undefined;
  bytes: number;
}

/**
 * The upload directory and the temporary files this process has open in it, with the bytes each holds (a
 * tenant's share of the disk is counted from them). Shutdown removes what is left of abandoned requests;
 * startup sweeps what an earlier process left behind (a crash, a kill).
 */
export function createTempFiles(directory: string, now: () => number = performance.now.bind(performance)) {
  const open = new Map<string, OpenFile>();
  let freeSpace: { at: number; bytes: Promise<number> } | undefined;

  return {
    directory,
    /** A new file path for a request (of a tenant, when its bytes count against the tenant's share), tracked until `release`. */
    create(interactionId: string, tenantId?: string): string {
      const path = join(directory, `${PREFIX}${interactionId}-${randomUUID()}`);
      open.set(path, { tenantId, bytes: 0 });
      return path;
    },
    /** Counts bytes written to a tracked file. */
    wrote(path: string, bytes: number): void {
      const file = open.get(path);
      if (file !== undefined) file.bytes += bytes;
    },
    /** Stops counting the bytes of a tracked file that is about to be removed. */
    stopCounting(path: string): void {
      const file = open.get(path);
      if (file !== undefined) file.bytes = 0;
    },
    /** Bytes written to the tracked files: all of them, one tenant's, and the one at `path`. */
    bytesHeld(tenantId: string, path: string): { total: number; tenant: number; file: number } {
      const held = { total: 0, tenant: 0, file: open.get(path)?.bytes ?? 0 };
      for (const file of open.values()) {
        held.total += file.bytes;
        if (file.tenantId === tenantId) held.tenant += file.bytes;
      }
      return held;
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
      const paths = [...open.keys()];
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
