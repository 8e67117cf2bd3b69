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
 * Counts `more` bytes of the file at `path` against its tenant, or fails with `DiskShareFull` when they would
 * take the tenant past its share of the space uploads can use: the free space above the reserve plus what
 * this instance's files already hold. A tenant's only file on disk is not held to the share (like a file
 * larger than the tenant's share of the text budget, it goes as far as the reserve allows): what the share
 * stops is one tenant's many large uploads at once filling the disk, so that every other tenant's upload gets
 * 507 until they finish. `count: false` only checks (a declared size, before anything is written).
 */
export async function claimDiskShare(
  tempFiles: TempFiles,
  owner: { path: string; tenantId: string },
  limits: DiskLimits,
  more: number,
  { count = true }: { count?: boolean } = {},
): Promise<void> {
  const heldNow = () => tempFiles.bytesHeld(owner.tenantId, owner.path);
  // Only a tenant with other files on disk is held to a share: most uploads count their bytes and go on.
  if (limits.tenantShare > 0 && limits.tenantShare < 1 && !aloneIn(heldNow())) {
    const free = await tempFiles.freeBytes();
    // From here to the count nothing waits: two of a tenant's uploads cannot both take the last of its share.
    const held = heldNow();
    const shareBytes = Math.floor(Math.max(0, free + held.total - limits.reserveBytes) * limits.tenantShare);
    if (!aloneIn(held) && held.tenant + more > shareBytes) {
      // The refused file is being removed: the tenant's other uploads go on in the room it leaves.
      if (count) tempFiles.stopCounting(owner.path);
      throw new DiskShareFull(shareBytes);
    }
  }
  if (count) tempFiles.wrote(owner.path, more);
}

/** Whether the file is the only one of its tenant's holding bytes on disk. */
const aloneIn = (held: { tenant: number; file: number }) => held.tenant === held.file;
