/** The parts of the configuration that say how browsers and providers reach a tenant host. */
export interface PublicOriginConfig {
  NODE_ENV: string;
  PUBLIC_SCHEME?: "http" | "https" | undefined;
  PUBLIC_PORT?: number | undefined;
}

/**
 * scheme://host[:port] as the outside world calls it. Twilio signs the URL it posted to, so the
 * worker (building the callback address) and the API (checking the signature) must agree on it.
 */
export function publicOrigin(config: PublicOriginConfig, host: string): string {
  const scheme = config.PUBLIC_SCHEME ?? (config.NODE_ENV === "production" ? "https" : "http");
  const port =
    config.PUBLIC_PORT && config.PUBLIC_PORT !== (scheme === "https" ? 443 : 80) ? `:${config.PUBLIC_PORT}` : "";
  return `${scheme}://${host}${port}`;
}
