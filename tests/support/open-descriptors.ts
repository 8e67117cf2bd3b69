import { existsSync, readdirSync, readlinkSync } from "node:fs";

/** Whether this system lists a process's open files (Linux's `/proc`). */
export const listsOpenFiles = existsSync("/proc/self/fd");

/** This process's open descriptors of the file at `path`. */
export function descriptorsOf(path: string): string[] {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}
