import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Set once the run has its temporary directory: each project inherits this setup, and one is enough. */
const MADE = "BATCH_TESTS_TEMP_ROOT";

/**
 * One temporary directory for the whole run, made the test processes' `TMPDIR` (what `os.tmpdir()` reads),
 * and removed when the run ends: the suites' own upload directories and files then never pile up in the
 * machine's /tmp across runs.
 */
export default function tempRoot() {
  if (process.env[MADE] !== undefined) return undefined;
  const root = mkdtempSync(join(tmpdir(), "batch-tests-"));
  process.env[MADE] = root;
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
