// Runs an embedded PostgreSQL in its own process and prints its URL as one JSON line; stops on
// SIGTERM/SIGINT, or when its parent goes away (stdin closes), so a killed test run leaves no server.
// The test setup uses it so the test runner's process never holds the server itself.
import { exitOnStartupError } from "@proxpanel/config/startup-error";
import { startEmbeddedPostgres } from "../embedded.ts";

const [dir = ".data/test-pg", port = "0", database = "postgres"] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ dir, port: Number(port), database }).catch(exitOnStartupError);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.on("error", () => void stop());
process.stdin.resume();
// Last: whoever reads this line may signal at once, and the handlers above must already be there.
process.stdout.write(`${JSON.stringify({ url: server.url, dataDir: server.dataDir })}\n`);
