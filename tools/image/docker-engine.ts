import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { EXIT } from "../cli/exit-codes.js";
import { CliFailure } from "../cli/failures.js";
import { removeStalePidFiles } from "./stale-engine-state.js";

/** How long a freshly started engine may take to answer. */
const ENGINE_START_LIMIT_MS = 60_000;
/** Where the engine started here writes its log. */
const ENGINE_LOG = "/tmp/dockerd.log";
/** How much of that log a failed start prints, so that a CI run's output says why. */
const ENGINE_LOG_TAIL_LINES = 20;
/** Debian's docker.io CLI, which matches its engine and builds with BuildKit without the buildx plugin. */
const DEBIAN_DOCKER = "/usr/bin/docker";

/** The Docker CLI to use: Debian's when it is there (its BuildKit needs no plugin), else the one on PATH. */
export function dockerCli(): string {
  return existsSync(DEBIAN_DOCKER) ? DEBIAN_DOCKER : "docker";
}

const engineAnswers = (docker: string) =>
  spawnSync(docker, ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 10_000 }).status === 0;

const isRoot = () => process.getuid?.() === 0;

function install(packages: string[], log: (line: string) => void): void {
  if (!isRoot())
    throw new CliFailure(EXIT.unavailable, `${packages.join(" and ")} missing, and only root can install them here`);
  log(`installing ${packages.join(", ")} with apt-get`);
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    throw new CliFailure(EXIT.unavailable, `could not install ${packages.join(", ")} with apt-get`, { cause: error });
  }
}

/** Installs a Debian package's command when it is missing (as root). */
export function ensureCommand(command: string, debianPackage: string, log: (line: string) => void): void {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) install([debianPackage], log);
}

/**
 * A Docker engine that answers: the running one, or `dockerd` started here with no bridge network (builds
 * and containers use the host's network), installed from Debian's `docker.io` first when missing. Returns
 * the CLI to talk to it with.
 */
export async function ensureDockerEngine(log: (line: string) => void): Promise<string> {
  if (engineAnswers(dockerCli())) return dockerCli();
  if (spawnSync("sh", ["-c", "command -v dockerd"]).status !== 0) install(["docker.io"], log);
  if (!isRoot()) throw new CliFailure(EXIT.unavailable, "no Docker engine runs, and only root can start one here");
  for (const path of removeStalePidFiles()) log(`removed ${path}, left by an engine that no longer runs`);
  log(`starting dockerd (--bridge=none; logs in ${ENGINE_LOG})`);
  const output = openSync(ENGINE_LOG, "w");
  const engine = spawn("dockerd", ["--bridge=none", "--iptables=false"], {
    detached: true,
    stdio: ["ignore", output, output],
  });
  engine.unref();
  const docker = dockerCli();
  const deadline = Date.now() + ENGINE_START_LIMIT_MS;
  while (!engineAnswers(docker)) {
    if (engine.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(ENGINE_LOG, "utf8").trimEnd().split("\n").slice(-ENGINE_LOG_TAIL_LINES);
      for (const line of tail) log(`dockerd: ${line}`);
      throw new CliFailure(EXIT.unavailable, `dockerd did not start (the end of ${ENGINE_LOG} above)`);
    }
    await sleep(500);
  }
  return docker;
}
