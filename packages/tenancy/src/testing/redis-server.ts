import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";

/**
 * A private redis-server on a free port (or the given one, to bring it back after a stop), for
 * tests that must not touch the machine's Redis.
 */
export async function startRedisServer(
  wanted?: number,
): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const port =
    wanted ??
    (await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port: p } = s.address() as net.AddressInfo;
        s.close(() => resolve(p));
      });
    }));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("error", (err) => reject(new Error(`redis-server could not start: ${err.message}`)));
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      if (d.includes("Ready to accept connections")) resolve();
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
