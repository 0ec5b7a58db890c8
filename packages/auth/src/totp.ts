import { authenticator } from "otplib";

// One step either side tolerates a phone clock that is up to 30 s off.
authenticator.options = { window: 1 };

export function newTotpSecret(): string {
  return authenticator.generateSecret(20);
}

export function totpUri(secret: string, account: string, issuer = "ProxPanel"): string {
  return authenticator.keyuri(account, issuer, secret);
}

export function verifyTotp(secret: string, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  try {
    return authenticator.verify({ token: code, secret });
  } catch {
    return false;
  }
}

/** The current code; used by tests and by the operator CLI, never sent to a client. */
export function currentTotp(secret: string): string {
  return authenticator.generate(secret);
}
