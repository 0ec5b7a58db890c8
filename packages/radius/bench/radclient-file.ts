import { spawn } from "node:child_process";

/**
 * Sends one radclient input file of Access-Requests (128 in flight, 3 retries, 2 s timeout), the
 * way every auth benchmark drives a server, and reads radclient's summary.
 */
export function radclientFile(port: number, file: string, secret: string): Promise<{ accepted: number; lost: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("radclient", [
      "-q",
      "-s",
      "-p",
      "128",
      "-r",
      "3",
      "-t",
      "2",
      "-f",
      file,
      `127.0.0.1:${port}`,
      "auth",
      secret,
    ]);
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.on("error", reject);
    child.on("close", () => {
      const num = (label: string) => Number(new RegExp(`${label}\\s*:\\s*(\\d+)`).exec(out)?.[1] ?? 0);
      resolve({ accepted: num("Accepted"), lost: num("Lost") });
    });
  });
}
