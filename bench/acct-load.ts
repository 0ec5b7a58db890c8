/**
 * The accounting load the RADIUS benches share: the production daemon in its own process
 * (bench/radius-acct-server.ts, so its CPU time can be read from /proc), Accounting-Request packets
 * encoded before the clock starts, and a client that keeps SOCKETS x WINDOW requests in flight,
 * re-signing each packet only with its identifier when sent and retransmitting after 2 s.
 * Used by bench/radius-acct.ts and bench/citus.ts.
 */
import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Code, encodeRequest } from "@proxpanel/radius";
import { secretBytes } from "@proxpanel/radius/hashes";
import { equal16, HmacMd5Key, hmacMd5With, md5Concat } from "@proxpanel/radius/md5";

export interface AcctServer {
  pid: number;
  acctPort: number;
  stop(): Promise<void>;
}

/** The production daemon against `url`, tenant keys under `clusterKey`; resolves once it listens. */
export async function startAcctServer(opts: {
  url: string;
  clusterKey: string;
  rollups: boolean;
  nodeFlags?: string[];
  /** The server script; another checkout's for a before/after comparison. */
  script?: string;
}): Promise<AcctServer> {
  const server = spawn(
    process.execPath,
    [
      ...(opts.nodeFlags ?? []),
      "--import",
      "tsx",
      opts.script ?? fileURLToPath(new URL("./radius-acct-server.ts", import.meta.url)),
    ],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: {
        ...process.env,
        DATABASE_URL: opts.url,
        BENCH_CLUSTER_KEY: opts.clusterKey,
        BENCH_ROLLUPS: opts.rollups ? "1" : "0",
      },
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    if (!server.stdout) return reject(new Error("no stdout"));
    createInterface({ input: server.stdout }).once("line", resolve);
    server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  const { acctPort } = JSON.parse(line) as { acctPort: number };
  return {
    pid: server.pid ?? 0,
    acctPort,
    stop: async () => {
      server.stdin?.end();
      await new Promise((r) => server.once("exit", r));
    },
  };
}

/** Start packets with identifier 0, one new session each (`<tag>-s<i>`), users user0..user999. */
export function startPackets(tag: string, count: number, nasIp: string, secret: string): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const u = i % 1000;
    out.push(
      encodeRequest({
        code: Code.AccountingRequest,
        identifier: 0,
        secret,
        attributes: [
          ["Acct-Status-Type", "Start"],
          ["User-Name", `user${u}`],
          ["Acct-Session-Id", `${tag}-s${i}`],
          ["NAS-IP-Address", nasIp],
          ["Framed-IP-Address", `100.64.${Math.floor(u / 250)}.${(u % 250) + 1}`],
          ["Calling-Station-Id", "AA-BB-CC-00-00-01"],
        ],
      }),
    );
  }
  return out;
}

// encodeRequest puts Message-Authenticator first: its value sits at octets 22-37.
const MA = 22;

/** Sends packets signed with one shared secret, SOCKETS x WINDOW in flight. */
export class AcctBlaster {
  private readonly hmacKey: HmacMd5Key;
  private readonly secret: Buffer;

  constructor(
    secretText: string,
    private readonly sockets = 16,
    private readonly window = 128,
  ) {
    this.hmacKey = new HmacMd5Key(secretText);
    this.secret = secretBytes(secretText);
  }

  /** Sets the identifier and signs again: Message-Authenticator, then the Request Authenticator. */
  private resign(buf: Buffer, identifier: number): void {
    buf[1] = identifier;
    buf.fill(0, 4, 20);
    buf.fill(0, MA, MA + 16);
    hmacMd5With(this.hmacKey, buf, buf, MA);
    md5Concat([buf, this.secret], buf, 4);
  }

  /**
   * Resolves when every packet is answered (what is not answered in 2 s is sent again). An answer
   * counts only with the Response Authenticator of the request now holding its identifier
   * (RFC 2866: MD5 over code, identifier, length, that Request Authenticator, the attributes and
   * the secret), checked in place on the received buffer with the plain-JS MD5: a full decode
   * per answer cost more client CPU than signing the request.
   */
  async blast(
    list: Buffer[],
    port: number,
    source: string,
    /** Called with each packet just before it is signed and first sent (e.g. to set a time in it). */
    onSend?: (buf: Buffer) => void,
  ): Promise<{ answered: number; seconds: number }> {
    const count = list.length;
    let next = 0;
    let answered = 0;
    const t0 = process.hrtime.bigint();
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const secret = this.secret;
    const got = Buffer.alloc(16);
    const want = Buffer.alloc(16);
    await new Promise<void>((done) => {
      for (let s = 0; s < this.sockets; s++) {
        const socket = createSocket("udp4");
        sockets.push(socket);
        // Per identifier: the packet waiting for its answer, when it was last sent, and the
        // Request Authenticator its answer must be signed over.
        const inflight: (Buffer | undefined)[] = new Array(256).fill(undefined);
        const sentAt = new Float64Array(256);
        const auths = Buffer.alloc(256 * 16);
        let id = 0;
        const sendOne = () => {
          if (next >= count) return;
          const buf = list[next++] as Buffer;
          // An identifier still waiting for its answer (retransmitting) is skipped.
          let identifier = id++ & 0xff;
          while (inflight[identifier]) identifier = id++ & 0xff;
          onSend?.(buf);
          this.resign(buf, identifier);
          inflight[identifier] = buf;
          sentAt[identifier] = performance.now();
          buf.copy(auths, identifier * 16, 4, 20);
          socket.send(buf, port, "127.0.0.1");
        };
        // One sweep per socket instead of a timer per packet: resend what waited 2 s.
        timers.push(
          setInterval(() => {
            const now = performance.now();
            for (let i = 0; i < 256; i++) {
              const buf = inflight[i];
              if (buf && now - (sentAt[i] as number) >= 2000) {
                sentAt[i] = now;
                socket.send(buf, port, "127.0.0.1");
              }
            }
          }, 250),
        );
        socket.on("message", (msg) => {
          if (msg.length < 20 || msg[0] !== Code.AccountingResponse) return;
          const identifier = msg[1] as number;
          if (!inflight[identifier]) return;
          const length = msg.readUInt16BE(2);
          if (length < 20 || length > msg.length) return;
          // A late answer to an earlier packet that had this identifier (a retransmission answered
          // twice) must not count for the packet now using it: it was signed over the other request.
          msg.copy(got, 0, 4, 20);
          auths.copy(msg, 4, identifier * 16, identifier * 16 + 16);
          md5Concat([length === msg.length ? msg : msg.subarray(0, length), secret], want);
          if (!equal16(want, 0, got, 0)) return;
          inflight[identifier] = undefined;
          answered++;
          if (answered === count) done();
          else sendOne();
        });
        socket.bind(0, source, () => {
          for (let w = 0; w < this.window; w++) sendOne();
        });
      }
    });
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.close();
    return { answered, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }
}
