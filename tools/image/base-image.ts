import { execFileSync, spawnSync } from "node:child_process";
import { appendFile, cp, mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { EXIT } from "../cli/exit-codes.js";
import { CliFailure } from "../cli/failures.js";
import { ensureCommand } from "./docker-engine.js";

/** The tag the Dockerfile's default `NODE_IMAGE` names: assembled here when no registry can supply it. */
export const BASE_IMAGE = "node:26-bookworm-slim";
const SUITE = "bookworm";
/** What Node's Linux binary needs beyond minbase (the official image installs the same). */
const NODE_RUNTIME_PACKAGES = ["libatomic1"];
const FALLBACK_MIRROR = "http://deb.debian.org/debian";

const APT_NO_CACHE = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`;

const run = (command: string, args: string[], input?: string) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input, maxBuffer: 64 << 20 });

/** The Debian mirror apt already uses on this machine (deb822 `URIs:` or a `deb` line), for debootstrap. */
async function debianMirror(): Promise<string> {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1] ?? /^deb\s+(\S+\/debian)\/?\s+\S+/m.exec(text)?.[1];
    if (uri !== undefined) return uri;
  }
  return FALLBACK_MIRROR;
}

/**
 * `node:26-bookworm-slim` as the official image has it, assembled locally: a minimal Debian bookworm root
 * (debootstrap's minbase, from the mirror apt uses), the project's own Node 26 binary (its `node`
 * devDependency) in /usr/local/bin, npm beside it, and the `node` user (uid 1000). Built once per machine;
 * an image already tagged so (pulled, or built before) is used as it is.
 */
export async function ensureBaseImage(
  docker: string,
  { root, nodeBinary, log }: { root: string; nodeBinary: string; log: (line: string) => void },
): Promise<{ built: boolean }> {
  if (spawnSync(docker, ["image", "inspect", BASE_IMAGE], { stdio: "ignore" }).status === 0) return { built: false };
  ensureCommand("debootstrap", "debootstrap", log);
  const rootfs = join(root, "node-base-rootfs");
  const bootstrapped = join(root, `node-base-rootfs.${NODE_RUNTIME_PACKAGES.join("+")}.tar`);
  const mirror = await debianMirror();
  // debootstrap's root is kept (as a tar) between runs: a retry after a later step failed does not fetch it again.
  if (!existsSync(bootstrapped)) {
    await rm(rootfs, { recursive: true, force: true });
    log(`assembling ${BASE_IMAGE}: debootstrap --variant=minbase ${SUITE} from ${mirror} (a few minutes, once)`);
    try {
      run("debootstrap", ["--variant=minbase", `--include=${NODE_RUNTIME_PACKAGES.join(",")}`, SUITE, rootfs, mirror]);
    } catch (error) {
      throw new CliFailure(EXIT.unavailable, `debootstrap could not build a ${SUITE} root from ${mirror}`, {
        cause: error,
      });
    }
    // Written aside and renamed, so that a run killed while packing leaves no partial root to reuse.
    run("tar", ["-C", rootfs, "-cf", `${bootstrapped}.partial`, "."]);
    await rename(`${bootstrapped}.partial`, bootstrapped);
  }
  await rm(rootfs, { recursive: true, force: true });
  await mkdir(rootfs, { recursive: true });
  run("tar", ["-C", rootfs, "-xf", bootstrapped]);
  const version = run(nodeBinary, ["--version"]).trim();
  await cp(nodeBinary, join(rootfs, "usr/local/bin/node"));
  // The npm this machine runs (its CLI's package), not a prefix derived from whichever node runs this.
  const npmRoot = dirname(dirname(realpathSync(run("sh", ["-c", "command -v npm"]).trim())));
  await mkdir(join(rootfs, "usr/local/lib/node_modules"), { recursive: true });
  await cp(npmRoot, join(rootfs, "usr/local/lib/node_modules/npm"), { recursive: true });
  for (const tool of ["npm", "npx"])
    await symlink(`../lib/node_modules/npm/bin/${tool}-cli.js`, join(rootfs, `usr/local/bin/${tool}`));
  await appendFile(join(rootfs, "etc/group"), "node:x:1000:\n");
  await appendFile(join(rootfs, "etc/passwd"), "node:x:1000:1000::/home/node:/bin/bash\n");
  await mkdir(join(rootfs, "home/node"), { recursive: true });
  run("chown", ["1000:1000", join(rootfs, "home/node")]);
  // As slim as the official image: no package lists or caches, no docs.
  for (const leftover of ["var/lib/apt/lists", "var/cache/apt/archives", "usr/share/doc", "usr/share/man"])
    await rm(join(rootfs, leftover), { recursive: true, force: true });
  await mkdir(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
  await writeFile(join(rootfs, "etc/apt/sources.list"), `deb ${mirror} ${SUITE} main\n`);
  // As Debian's own container images do: apt keeps no package cache in a layer.
  await writeFile(join(rootfs, "etc/apt/apt.conf.d/docker-clean"), APT_NO_CACHE);
  const tar = spawnSync("tar", ["-C", rootfs, "-c", "."], { maxBuffer: 2 * 1024 ** 3 });
  if (tar.status !== 0) throw new CliFailure(EXIT.software, "could not pack the base root");
  const imported = spawnSync(
    docker,
    [
      "import",
      "-c",
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "-c",
      `ENV NODE_VERSION=${version.replace(/^v/, "")}`,
      "-c",
      'CMD ["node"]',
      "-",
      BASE_IMAGE,
    ],
    { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], encoding: "buffer", maxBuffer: 64 << 20 },
  );
  if (imported.status !== 0)
    throw new CliFailure(EXIT.software, `docker import failed: ${imported.stderr.toString().trim()}`);
  await rm(rootfs, { recursive: true, force: true });
  log(`${BASE_IMAGE} assembled (Node ${version})`);
  return { built: true };
}
