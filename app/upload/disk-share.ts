import type { TempFiles } from "./temp-files.js";

/** How an instance's upload disk is shared: the reserve kept free, and the share one tenant's files may hold. */
export interface DiskLimits {
  /** Free bytes kept in reserve: no upload eats into them. */
  reserveBytes: number;
  /** A tenant's share (0 to 1] of the space uploads can use; 1 lets one tenant use all of it. */
  tenantShare: number;
}

/** A tenant's other uploads on this instance already hold its share of the upload disk. */
export class DiskShareFull extends Error {
  override readonly name = "DiskShareFull";
  constructor(readonly shareBytes: number) {
    super("This tenant's uploads in progress already hold its share of this instance's upload disk.");
  }
}

/**
 * Fails with `DiskShareFull` when `more` bytes of the file at `path` would take its tenant past its share of
 * the space uploads can use: the free space above the reserve plus what this instance's files already hold.
 * A tenant's only file on disk is not held to the share (like a file larger than the tenant's share of the
 * text budget, it goes as far as the reserve allows): what the share stops is one tenant's many large uploads
 * at once filling the disk, so that every other tenant's upload gets 507 until they finish.
 */
export async function checkDiskShare(
  tempFiles: TempFiles,
  owner: { path: string; tenantId: string },
  limits: DiskLimits,
  more: number,
): Promise<void> {
  if (!(limits.tenantShare > 0 && limits.tenantShare < 1)) return;
  const held = tempFiles.bytesHeld(owner.tenantId, owner.path);
  if (held.tenant === held.file) return;
  const usable = Math.max(0, (await tempFiles.freeBytes()) + held.total - limits.reserveBytes);
  const shareBytes = Math.floor(usable * limits.tenantShare);
  if (held.tenant + more > shareBytes) throw new DiskShareFull(shareBytes);
}
