import net from "node:net";

/** The parsed connection options postgres.js hands a custom socket factory. */
interface SocketOptions {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * postgres.js connects with Nagle's algorithm left on. A `COPY ... FROM STDIN` ends with two small
 * writes (the last data, then CopyDone), and the second waits for the server's delayed ACK, about
 * 40 ms on Linux, once per table: on the restore benchmark a 4-row table took 86 ms to load. This
 * factory opens the same TCP connection with `noDelay` (PostgreSQL sets TCP_NODELAY on its side).
 * postgres.js passes it through its `socket` option, which its typings do not declare.
 */
export function noDelaySocket(options: SocketOptions): net.Socket {
  const host = options.host[0] ?? "localhost";
  const port = options.port[0] ?? 5432;
  const socket = options.path ? net.connect(options.path) : net.connect({ host, port, noDelay: true });
  // postgres.js reads these for TLS server names and error messages.
  return Object.assign(socket, { host, port });
}

/** Only a single-host URL uses the factory: with several hosts postgres.js rotates them itself. */
export function socketOption(url: string): { socket?: typeof noDelaySocket } {
  let hosts: string;
  try {
    hosts = new URL(url).host;
  } catch {
    return {}; // postgres.js parses it its own way and reports what is wrong with it
  }
  return hosts.includes(",") ? {} : { socket: noDelaySocket };
}
