import type { AddressInfo } from "node:net";
import dns2 from "dns2";

/**
 * A real authoritative DNS server on loopback (UDP, random port) for the verification tests:
 * it answers TXT questions from `records` and NXDOMAIN-like empty answers for everything else.
 */
export interface TxtServer {
  /** `127.0.0.1:<port>`, the form DNS_SERVERS takes. */
  address: string;
  records: Map<string, string[]>;
  close(): Promise<void>;
}

export async function startTxtServer(): Promise<TxtServer> {
  const records = new Map<string, string[]>();
  const { Packet } = dns2;
  const server = dns2.createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    for (const q of request.questions) {
      if (q.type !== Packet.TYPE.TXT) continue;
      for (const data of records.get(q.name.toLowerCase()) ?? []) {
        response.answers.push(Packet.createResourceFromQuestion(q, { type: Packet.TYPE.TXT, ttl: 1, data }));
      }
    }
    send(response);
  });
  await server.listen(0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    records,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
