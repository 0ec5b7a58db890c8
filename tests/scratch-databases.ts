import { migratePublic } from "@proxpanel/db";
import postgres from "postgres";

/**
 * Throw-away databases on the test server (TEST_SERVER_URL), each standing for a separate install
 * in the tests that move tenants between installs. `dropAll` removes every one made.
 */
export class ScratchDatabases {
  private readonly names: string[] = [];
  private readonly admin = postgres(process.env.TEST_SERVER_URL ?? "", { max: 1, onnotice: () => {} });

  constructor(private readonly prefix: string) {}

  /** A new database's URL, with the public registry migrated unless `migrate` is false. */
  async create(opts: { migrate?: boolean } = {}): Promise<string> {
    const name = `${this.prefix}_${Date.now()}_${process.pid}_${this.names.length}`;
    await this.admin.unsafe(`create database "${name}"`);
    this.names.push(name);
    const url = new URL(process.env.TEST_SERVER_URL ?? "");
    url.pathname = `/${name}`;
    if (opts.migrate ?? true) await migratePublic(url.toString());
    return url.toString();
  }

  async dropAll(): Promise<void> {
    for (const name of this.names) await this.admin.unsafe(`drop database if exists "${name}" with (force)`);
    await this.admin.end();
  }
}
