import { hash, verify } from "@node-rs/argon2";

// argon2id with the OWASP baseline (19 MiB, 2 passes): memory-hard, ~20 ms on this hardware.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

// Verifying against this when an account does not exist keeps response time from telling
// which e-mail addresses are registered.
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword("proxpanel-timing-equaliser");
  await verifyPassword(await dummy, password);
}
