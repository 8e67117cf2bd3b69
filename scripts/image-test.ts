import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCommand } from "../tools/cli/command-line.js";
import { EXIT } from "../tools/cli/exit-codes.js";
import { CliFailure } from "../tools/cli/failures.js";
import { ensureBaseImage } from "../tools/image/base-image.js";
import { ensureDockerEngine } from "../tools/image/docker-engine.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The tag the checks run. */
const IMAGE = "batch-transcription:test";

await runCommand(
  {
    command: "npm run image:test",
    summary:
      "Builds the project's Dockerfile for real and checks the running container: health and readiness, non-root\n" +
      "under tini, the same answer as `npm start`, a graceful stop during an upload, the health check, the worker\n" +
      "command, nothing of development in the image, and its size. Starts a Docker engine when none runs (as root:\n" +
      "Debian's docker.io, dockerd --bridge=none, host networking) and assembles node:26-bookworm-slim locally\n" +
      "when no registry can supply it (debootstrap, once per machine).",
    options: {},
    environment: {
      NODE_EXTRA_CA_CERTS: "a proxy's CA for HTTPS from inside the build: passed as a build secret, in no layer",
    },
    exitCodes: ["ok", "failed", "unavailable", "software"],
  },
  async () => {
    const log = (line: string) => console.error(`image:test: ${line}`);
    const docker = await ensureDockerEngine(log);
    const started = Date.now();
    const { built } = await ensureBaseImage(docker, {
      root: "/var/tmp",
      nodeBinary: `${ROOT}node_modules/node/bin/node`,
      log,
    });
    if (built) log(`base assembled in ${Math.round((Date.now() - started) / 1000)} s`);
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    const buildStarted = Date.now();
    log(`building ${IMAGE}${ca ? " (the proxy CA as build secret npm_ca)" : ""}`);
    const build = spawnSync(
      docker,
      ["build", "--network", "host", ...(ca ? ["--secret", `id=npm_ca,src=${ca}`] : []), "-t", IMAGE, "."],
      { cwd: ROOT, stdio: "inherit", env: { ...process.env, DOCKER_BUILDKIT: "1" } },
    );
    if (build.status !== 0) throw new CliFailure(EXIT.failed, `docker build failed (exit ${build.status})`);
    log(`built in ${Math.round((Date.now() - buildStarted) / 1000)} s`);
    // The checks against the running container, as tests.
    return await new Promise((resolve) => {
      const checks = spawn(
        process.execPath,
        [`${ROOT}node_modules/vitest/vitest.mjs`, "run", "--config", "vitest.image.config.ts"],
        { cwd: ROOT, stdio: "inherit", env: { ...process.env, IMAGE, DOCKER: docker } },
      );
      checks.on("exit", (code) => resolve(code === 0 ? EXIT.ok : EXIT.failed));
    });
  },
);
