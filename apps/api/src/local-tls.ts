import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "@proxpanel/config";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * `START_TLS=true npm start`: runs Caddy with the local variant of the edge config (internal CA,
 * high ports, storage under the data directory) in front of this API, so tenant subdomains and
 * verified custom domains can be tried over HTTPS on one machine.
 */
export function startLocalTls(config: Config, apiPort: number): { banner: string; child?: ChildProcess } {
  if (spawnSync("caddy", ["version"]).status !== 0) {
    return { banner: "NOT RUNNING: install Caddy (Debian: apt-get install caddy) for START_TLS" };
  }
  const api = `127.0.0.1:${apiPort}`;
  const child = spawn("caddy", ["run", "--adapter", "caddyfile", "--config", path.join(ROOT, "infra/Caddyfile.test")], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BASE_DOMAIN: config.BASE_DOMAIN,
      CADDY_HTTP_PORT: String(config.TLS_HTTP_PORT),
      CADDY_HTTPS_PORT: String(config.TLS_PORT),
      CADDY_STORAGE: path.resolve(config.DATA_DIR, "caddy"),
      API_UPSTREAMS: api,
      EDGE_SECRET: config.TRUSTED_PROXY_SECRET ?? "none",
      API_ASK_URL: `http://${api}/internal/tls/ask`,
      PANEL_DIST: path.join(ROOT, "apps/panel/dist"),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return {
    banner: `https://${config.BASE_DOMAIN}:${config.TLS_PORT}/ and https://<slug>.${config.BASE_DOMAIN}:${config.TLS_PORT}/ (Caddy internal CA)`,
    child,
  };
}
