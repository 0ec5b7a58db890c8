import { describe, expect, it } from "vitest";
import { md4 } from "./hashes.ts";
import {
  challengeHash,
  challengeResponse,
  decryptMppeKey,
  encryptMppeKey,
  generateAuthenticatorResponse,
  generateNtResponse,
  mppeKeys,
  ntPasswordHash,
  stripDomain,
} from "./mschap.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

// RFC 2759 section 9.2 ("Example of Response and Authenticator Response"), RFC 3079 3.5.3 for the keys.
const userName = "User";
const password = "clientPass";
const authenticatorChallenge = hex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28");
const peerChallenge = hex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E");

describe("MS-CHAPv2 against RFC 2759 9.2 / RFC 3079 3.5.3", () => {
  it("ChallengeHash", () => {
    expect(challengeHash(peerChallenge, authenticatorChallenge, userName)).toEqual(hex("D0 2E 43 86 BC E9 12 26"));
  });

  it("NtPasswordHash and PasswordHashHash", () => {
    const hash = ntPasswordHash(password);
    expect(hash).toEqual(hex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE"));
    expect(md4(hash)).toEqual(hex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F"));
  });

  it("NT-Response", () => {
    expect(generateNtResponse(authenticatorChallenge, peerChallenge, userName, ntPasswordHash(password))).toEqual(
      hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF"),
    );
  });

  it("AuthenticatorResponse", () => {
    const nt = hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF");
    expect(
      generateAuthenticatorResponse(ntPasswordHash(password), nt, peerChallenge, authenticatorChallenge, userName),
    ).toBe("S=407A5589115FD0D6209F510FE9C04566932CDA56");
  });

  it("MPPE 128-bit start keys", () => {
    const nt = hex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF");
    const keys = mppeKeys(ntPasswordHash(password), nt);
    expect(keys.send).toEqual(hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB"));
    expect(keys.recv).toEqual(hex("D5 F0 E9 52 1E 3E A9 58 96 45 E8 60 51 C8 22 26"));
  });

  it("DES ChallengeResponse pads the hash to 21 octets", () => {
    expect(challengeResponse(hex("D0 2E 43 86 BC E9 12 26"), ntPasswordHash(password))).toHaveLength(24);
  });

  it("hashes the user name without its domain", () => {
    expect(stripDomain("CORP\\User")).toBe("User");
    expect(challengeHash(peerChallenge, authenticatorChallenge, "CORP\\User")).toEqual(
      challengeHash(peerChallenge, authenticatorChallenge, "User"),
    );
  });
});

describe("MD4", () => {
  it("matches RFC 1320 test suite", () => {
    expect(md4(Buffer.from("")).toString("hex")).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
    expect(md4(Buffer.from("abc")).toString("hex")).toBe("a448017aaf21d8525fc10ae87aa6729d");
    expect(md4(Buffer.from("message digest")).toString("hex")).toBe("d9130a8164549fe818874806e1c7014b");
  });
});

describe("MPPE key attribute encryption (RFC 2548 2.4.2)", () => {
  const auth = hex("00112233445566778899aabbccddeeff");
  const key = hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB");

  it("round-trips with a salt whose high bit is set", () => {
    const enc = encryptMppeKey(key, "secret", auth, Buffer.from([0x01, 0x02]));
    expect(enc).toHaveLength(2 + 32);
    expect((enc[0] ?? 0) & 0x80).toBe(0x80);
    expect(decryptMppeKey(enc, "secret", auth)).toEqual(key);
  });

  it("does not decrypt with another secret", () => {
    const enc = encryptMppeKey(key, "secret", auth);
    expect(decryptMppeKey(enc, "other", auth)).not.toEqual(key);
  });
});
