import type { TestProject } from "vitest/node";
import { startMotoServer } from "../../scripts/moto-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

/** One moto_server for the AWS suites, stopped when the run ends. */
export default async function startMoto(project: TestProject) {
  const moto = await startMotoServer();
  project.provide("motoUrl", moto.url);
  return () => moto.stop();
}
