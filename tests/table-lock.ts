import postgres from "postgres";

/**
 * Holds ACCESS SHARE on one table from another connection, as a long reader would, until
 * `release()`: a restore of that schema then loads but cannot swap in. Resolves once the lock is
 * held, so a test never starts the restore before it (releasing earlier would keep it forever).
 */
export async function holdTableLock(schema: string, table: string): Promise<{ release: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL missing: run through vitest (global setup)");
  const reader = postgres(url, { max: 1, onnotice: () => {} });
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let locked: () => void = () => {};
  const lockTaken = new Promise<void>((r) => {
    locked = r;
  });
  const holding = reader.begin(async (tx) => {
    await tx.unsafe(`lock table "${schema}"."${table}" in access share mode`);
    locked();
    await gate;
  });
  await Promise.race([lockTaken, holding]);
  let done: Promise<void> | undefined;
  return {
    release() {
      done ??= (async () => {
        open();
        await holding.catch(() => undefined);
        await reader.end();
      })();
      return done;
    },
  };
}
