import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/**
 * The path of Debian's `chromium`, installed with apt first where it is missing (as the moto harness
 * installs moto with pip), for playwright-core to drive with `executablePath`.
 */
export function chromiumPath(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found !== undefined) return found;
  console.error("chromium not found: installing Debian's chromium package with apt");
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const installed = CANDIDATES.find((path) => existsSync(path));
  if (installed === undefined) throw new Error("chromium is still missing after apt-get install chromium");
  return installed;
}
