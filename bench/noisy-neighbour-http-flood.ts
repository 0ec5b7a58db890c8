// Child process of bench/noisy-neighbour.ts: tenant A's HTTP flood (autocannon, 16 connections),
// in its own process so its work never runs on the event loop that times B's probes. Argument:
// JSON { url, host, token }. Started once (loading it takes a while when niced on a busy machine);
// "start" on stdin begins a flood, "stop" ends it and prints { refused429, served, other }.
import { createInterface } from "node:readline";
import autocannon from "autocannon";

const { url, host, token } = JSON.parse(process.argv[2] ?? "{}") as { url: string; host: string; token: string };
let counts = { refused429: 0, served: 0, other: 0 };
let cannon: autocannon.Instance | undefined;
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "start" && !cannon) {
    counts = { refused429: 0, served: 0, other: 0 };
    const instance = autocannon(
      { url, headers: { host, authorization: `Bearer ${token}` }, connections: 16, duration: 3600 },
      () => undefined,
    );
    cannon = instance;
    instance.on("response", (_c: unknown, statusCode: number) => {
      if (statusCode === 429) counts.refused429++;
      else if (statusCode < 300) counts.served++;
      else counts.other++;
    });
  } else if (line === "stop" && cannon) {
    cannon.stop();
    cannon = undefined;
    process.stdout.write(`${JSON.stringify(counts)}\n`);
  }
});
process.stdout.write("ready\n");
