import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface RunningMoto {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

function hasMotoServer(): boolean {
  try {
    execFileSync("moto_server", ["--help"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on now, on loopback. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

/**
 * Starts `moto_server`, a real emulator of EventBridge, SQS, S3 and STS, on a free loopback port, installing
 * it with pip first where it is missing, and resolves once it answers.
 */
export async function startMotoServer(): Promise<RunningMoto> {
  if (!hasMotoServer()) {
    console.error("moto_server not found: installing moto[server] with pip");
    execFileSync("python3", ["-m", "pip", "install", "--quiet", "moto[server]"], { stdio: "inherit" });
  }
  const port = await freeLoopbackPort();
  // In its own process group: a terminal's Ctrl-C is for the tool that started it, which stops it last.
  const moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore", detached: true });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (moto.exitCode !== null) throw new Error(`moto_server exited with ${moto.exitCode}`);
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      moto.kill();
      throw new Error("moto_server did not start within 30 s");
    }
    await sleep(200);
  }
  return {
    url,
    process: moto,
    stop: () =>
      new Promise<void>((resolve) => {
        if (moto.exitCode !== null || moto.signalCode !== null) return resolve();
        moto.once("exit", () => resolve());
        moto.kill("SIGTERM");
      }),
  };
}
