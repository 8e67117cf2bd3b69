import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScript } from "../support/run-script.js";

/** Every command-line tool, as `npm run <name>` runs it. */
const TOOLS = {
  consume: "scripts/consume.ts",
  verify: "scripts/verify-event-flow.ts",
  "infra:local": "scripts/infra-local.ts",
  "api-key": "scripts/api-key.ts",
  fuzz: "scripts/fuzz.ts",
  dev: "scripts/dev.ts",
  "image:test": "scripts/image-test.ts",
};

/** No credentials from this machine's files or metadata service: what a fresh terminal has. */
const bare = (home: string) => ({ HOME: home, AWS_EC2_METADATA_DISABLED: "true" });
const STACK_LINE = /^\s+at /m;

/**
 * How long a tool takes to start and refuse a bad option on this machine, now: what "at once" is measured
 * against, so a busy machine slows the bound and the run alike.
 */
async function startupMs(script: string): Promise<number> {
  const refusal = await runScript(script, ["--bogus"], {});
  expect(refusal.code).toBe(64);
  return refusal.ms;
}

describe("every tool on one argument layer, run as real processes", () => {
  it.each(Object.entries(TOOLS))(
    "`npm run %s -- --help` prints usage, options, exit codes and exits 0",
    async (name, script) => {
      const result = await runScript(script, ["--help"], {});
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: npm run ${name} -- \\[options\\]`));
      expect(result.stdout).toContain("--help");
      expect(result.stdout).toMatch(/Exit codes:\n {2}0 +done/);
      expect(result.stderr).toBe("");
    },
  );

  it.each(Object.entries(TOOLS))(
    "`npm run %s -- --bogus` is one line and the usage, exit 64, no stack",
    async (name, script) => {
      const result = await runScript(script, ["--bogus"], {});
      expect(result.code).toBe(64);
      expect(result.stderr.split("\n")[0]).toBe(`npm run ${name}: Unknown option '--bogus'`);
      expect(result.stderr).toContain(`Usage: npm run ${name} -- [options]`);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stdout).toBe("");
    },
  );

  it("infra:local with fake keys and no endpoint refuses at once, in one line, exit 78", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const result = await runScript("scripts/infra-local.ts", [], {
      ...bare(home),
      AWS_ACCESS_KEY_ID: "AKIAFAKE",
      AWS_SECRET_ACCESS_KEY: "fake",
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toBe(
      "npm run infra:local: no emulator endpoint: set AWS_ENDPOINT_URL or pass --endpoint <url> (`npm run dev` starts one); --allow-real-aws creates the resources in your real AWS account instead\n",
    );
    // Refused before any client exists: no DNS lookup, no connection, nothing to wait for beyond starting up.
    expect(result.ms).toBeLessThan(3 * (await startupMs("scripts/infra-local.ts")));
  });

  it("an unreachable endpoint is one line naming it, exit 69; --debug adds the stack", async () => {
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
    const plain = await runScript("scripts/infra-local.ts", [], env);
    expect(plain.code).toBe(69);
    expect(plain.stderr).toMatch(/^npm run infra:local: cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(plain.stderr.trim().split("\n")).toHaveLength(1);
    const debug = await runScript("scripts/infra-local.ts", ["--debug"], env);
    expect(debug.code).toBe(69);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it("verify: a missing outputs file is 66, no queue URL is 78, a bad --timeout is 64; one line each", async () => {
    const missing = await runScript("scripts/verify-event-flow.ts", ["--outputs", "missing.json"], {});
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe(
      "npm run verify: cannot read missing.json (write it with `pulumi stack output --json > missing.json`)\n",
    );
    const none = await runScript("scripts/verify-event-flow.ts", [], {});
    expect(none.code).toBe(78);
    expect(none.stderr).toMatch(/^npm run verify: no queue URL: pass --queue-url, set QUEUE_URL/);
    const timeout = await runScript("scripts/verify-event-flow.ts", ["--timeout", "soon"], {});
    expect(timeout.code).toBe(64);
    expect(timeout.stderr.split("\n")[0]).toBe(
      'npm run verify: --timeout must be a number of seconds above 0, not "soon"',
    );
  });

  it("consume and verify agree: no queue URL is 78 for both", async () => {
    const [consume, verify] = await Promise.all([
      runScript("scripts/consume.ts", [], {}),
      runScript("scripts/verify-event-flow.ts", [], {}),
    ]);
    expect([consume.code, verify.code]).toEqual([78, 78]);
  });

  it("consume with no credentials stops with exit 2 and one line saying what to do, within seconds", async () => {
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const result = await runScript(
      "scripts/consume.ts",
      ["--queue-url", "http://127.0.0.1:9/123456789012/queue"],
      bare(home),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^npm run consume: AWS credentials are missing or were rejected \(CredentialsProviderError\): set AWS_ACCESS_KEY_ID/,
    );
    expect(result.stderr).not.toMatch(STACK_LINE);
    // The credential chain is given up on quickly: no retries against a metadata service, no long waits.
    expect(result.ms).toBeLessThan(8 * (await startupMs("scripts/consume.ts")));
  });

  it("reads what `npm run dev` wrote to .env.local for whatever is not set, and what is set wins", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    await writeFile(
      join(session, ".env.local"),
      "AWS_ENDPOINT_URL=http://127.0.0.1:9\nAWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\nQUEUE_URL=http://127.0.0.1:9/123456789012/q\n",
    );
    const fromFile = await runScript("scripts/consume.ts", ["--once"], {}, { cwd: session });
    expect(fromFile.code).toBe(69);
    expect(fromFile.stderr).toContain("cannot reach http://127.0.0.1:9");
    const overridden = await runScript(
      "scripts/consume.ts",
      ["--once"],
      { AWS_ENDPOINT_URL: "http://127.0.0.1:7" },
      { cwd: session },
    );
    expect(overridden.stderr).toContain("cannot reach http://127.0.0.1:7");
  });

  it("a configuration error is one line naming the variable, exit 78, no stack", async () => {
    const result = await runScript("scripts/consume.ts", ["--once"], {
      CLEANER: "foo",
      QUEUE_URL: "http://127.0.0.1:9/1/q",
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^npm run consume: Invalid configuration: CLEANER/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("--outputs means that file: missing is 66 even with a dev session's .env.local, and .env.local is not read", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    await writeFile(
      join(session, ".env.local"),
      "AWS_ENDPOINT_URL=http://127.0.0.1:9\nAWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\nQUEUE_URL=http://127.0.0.1:9/123456789012/q\n",
    );
    const missing = await runScript(
      "scripts/verify-event-flow.ts",
      ["--outputs", "missing.json"],
      {},
      { cwd: session },
    );
    expect(missing.code).toBe(66);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stdout).not.toContain("OK");
    // A deployed stack's outputs: the emulator's endpoint and keys in .env.local do not apply to it.
    await writeFile(
      join(session, "stack.json"),
      JSON.stringify({ queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q" }),
    );
    const home = await mkdtemp(join(tmpdir(), "home-"));
    const deployed = await runScript("scripts/consume.ts", ["--once", "--outputs", "stack.json"], bare(home), {
      cwd: session,
    });
    expect(deployed.stderr).not.toContain("127.0.0.1:9");
    expect(deployed.code).toBe(2);
    const both = await runScript(
      "scripts/consume.ts",
      ["--queue-url", "http://x/1/q", "--outputs", "stack.json"],
      {},
      {
        cwd: session,
      },
    );
    expect(both.code).toBe(64);
  });

  it("reads .env before .env.local, the environment before both; --debug says where each setting came from", async () => {
    const session = await mkdtemp(join(tmpdir(), "dev-session-"));
    await writeFile(join(session, ".env"), "AWS_ENDPOINT_URL=http://127.0.0.1:7\n");
    await writeFile(
      join(session, ".env.local"),
      "AWS_ENDPOINT_URL=http://127.0.0.1:9\nAWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\nQUEUE_URL=http://127.0.0.1:9/123456789012/q\n",
    );
    const fromEnvFile = await runScript("scripts/consume.ts", ["--once", "--debug"], {}, { cwd: session });
    expect(fromEnvFile.code).toBe(69);
    expect(fromEnvFile.stderr).toContain("cannot reach http://127.0.0.1:7");
    expect(fromEnvFile.stderr).toMatch(/^\s+AWS_ENDPOINT_URL\s+\.env$/m);
    expect(fromEnvFile.stderr).toMatch(/^\s+QUEUE_URL\s+\.env\.local$/m);
    expect(fromEnvFile.stderr).toMatch(/^\s+--once\s+the command line$/m);
    // Values are never printed, only where they came from.
    expect(fromEnvFile.stderr).not.toContain("AWS_SECRET_ACCESS_KEY=local");
    const fromEnvironment = await runScript(
      "scripts/consume.ts",
      ["--once", "--debug"],
      { AWS_ENDPOINT_URL: "http://127.0.0.1:5" },
      { cwd: session },
    );
    expect(fromEnvironment.stderr).toContain("cannot reach http://127.0.0.1:5");
    expect(fromEnvironment.stderr).toMatch(/^\s+AWS_ENDPOINT_URL\s+environment$/m);
  });

  it("the worker answers --help with its usage and exit codes, and refuses an unknown option with 64", async () => {
    const help = await runScript("app/worker.ts", ["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run worker/);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 /);
    const bogus = await runScript("app/worker.ts", ["--bogus"], {});
    expect(bogus.code).toBe(64);
    expect(bogus.stderr.split("\n")[0]).toBe("npm run worker: Unknown option '--bogus'");
  });

  it("`npm start` before `npm run build` is one line saying to build first, exit 66", async () => {
    const { scripts } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
      scripts: Record<string, string>;
    };
    const empty = await mkdtemp(join(tmpdir(), "no-build-"));
    const started = spawnSync("sh", ["-c", scripts.start!], { cwd: empty, encoding: "utf8", timeout: 20_000 });
    expect(started.status).toBe(66);
    expect(started.stderr).toBe(
      "npm start runs the built service: run `npm run build` first (or `npm run dev` to run from source)\n",
    );
  });

  it("api-key names a missing --tenant as required, and a malformed one as malformed", async () => {
    const missing = await runScript("scripts/api-key.ts", [], {});
    expect(missing.code).toBe(64);
    expect(missing.stderr.split("\n")[0]).toBe("npm run api-key: --tenant is required: the tenant's UUID v4");
    const malformed = await runScript("scripts/api-key.ts", ["--tenant", "nope"], {});
    expect(malformed.stderr.split("\n")[0]).toBe("npm run api-key: --tenant must be a UUID v4");
  });
});
