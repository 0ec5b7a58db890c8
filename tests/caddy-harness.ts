import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";

const CONFIG = path.resolve(import.meta.dirname, "../infra/Caddyfile.test");

export interface Caddy {
  httpsPort: number;
  /** Caddy's internal root CA (PEM), to verify its certificates as a browser trusting it would. */
  rootCa(): Promise<string>;
  close(): Promise<void>;
}

/** Fails loudly instead of skipping: the edge tests are the only proof the Caddyfile works. */
export function assertCaddyInstalled(): void {
  const probe = spawnSync("caddy", ["version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "The `caddy` binary is required for the edge tests and was not found on PATH. Install it " +
        "(Debian: `apt-get install -y caddy`); CI must install it too. These tests never skip.",
    );
  }
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Resolves once a TLS handshake for `servername` completes; Caddy loads its certs lazily. */
async function waitForTls(port: number, servername: string, ms: number, exited: () => string | null) {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    const gone = exited();
    if (gone !== null) throw new Error(`caddy exited during start-up:\n${gone}`);
    if (Date.now() > until) throw new Error(`caddy did not answer TLS on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Caddy with infra/Caddyfile.test on random high ports and a throw-away storage directory, in
 * front of one API or several (round robin; the first answers the TLS ask) listening on loopback,
 * which must trust 127.0.0.1 as their proxy.
 */
export async function startCaddy(opts: {
  baseDomain: string;
  apiPort: number | number[];
  panelDist: string;
}): Promise<Caddy> {
  assertCaddyInstalled();
  const storage = await mkdtemp(path.join(tmpdir(), "proxpanel-caddy-"));
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const upstreams = (Array.isArray(opts.apiPort) ? opts.apiPort : [opts.apiPort]).map((p) => `127.0.0.1:${p}`);
  const api = upstreams[0];
  let output = "";
  let exitedWith: number | null = null;
  const child: ChildProcess = spawn("caddy", ["run", "--adapter", "caddyfile", "--config", CONFIG], {
    env: {
      PATH: process.env.PATH,
      HOME: storage,
      XDG_DATA_HOME: storage,
      XDG_CONFIG_HOME: storage,
      BASE_DOMAIN: opts.baseDomain,
      CADDY_HTTP_PORT: String(httpPort),
      CADDY_HTTPS_PORT: String(httpsPort),
      CADDY_STORAGE: storage,
      API_UPSTREAMS: upstreams.join(" "),
      API_ASK_URL: `http://${api}/internal/tls/ask`,
      PANEL_DIST: opts.panelDist,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (b: Buffer) => {
    output = (output + b.toString("utf8")).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exitedWith = code ?? -1;
      resolve();
    }),
  );
  const close = async () => {
    if (exitedWith === null) child.kill("SIGTERM");
    await exited;
    await rm(storage, { recursive: true, force: true });
  };
  try {
    await waitForTls(httpsPort, opts.baseDomain, 20_000, () => (exitedWith === null ? null : output));
  } catch (err) {
    await close();
    throw err;
  }
  const rootCa = () => readFile(path.join(storage, "pki/authorities/local/root.crt"), "utf8");
  return { httpsPort, rootCa, close };
}
