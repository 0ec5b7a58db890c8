import { writeSync } from "node:fs";

/**
 * A condition a process can foresee at start-up (a port taken, a data folder it cannot use, a
 * missing binary): the message says what is wrong and what to do, in one line, and the entry point
 * prints it instead of a stack trace.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

/** For entry points: a StartupError is printed as one line and the process exits 1; anything else is rethrown. */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof StartupError) {
    // Synchronous: process.exit would drop an asynchronous write to a pipe.
    writeSync(2, `proxpanel: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

/** A Node system error's code (EACCES, EADDRINUSE…), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Binds and releases `port` (0: any free one) and returns it; a port in use is a StartupError naming the setting to change. */
export async function claimPort(port: number, what: string, setting: string, host = "127.0.0.1"): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err) => {
      const code = errnoCode(err);
      if (code === "EADDRINUSE")
        reject(new StartupError(`port ${port} (${what}) is in use: stop what holds it, or set ${setting}`));
      else if (code === "EACCES")
        reject(new StartupError(`port ${port} (${what}) needs privileges: choose a port above 1023 with ${setting}`));
      else reject(err);
    });
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}
