import { generateKeyPairSync, randomUUID } from "node:crypto";
import { seal, unseal } from "@proxpanel/auth";
import { wireguardAllocations } from "@proxpanel/db";
import { asc, eq, sql } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { intToIpv4, ipv4ToInt, parseIpv4Cidr } from "../ip-pools/ip-pools.ts";

/**
 * The cluster's tunnel range, carved into one /24 per tenant. Hard-coded because the config
 * package has no WireGuard settings yet; it should become WIREGUARD_CLUSTER_CIDR there.
 */
export const WIREGUARD_CLUSTER_CIDR = "10.200.0.0/16";

/**
 * Where NAS devices reach the cluster's WireGuard host. Read from the environment until the
 * config package owns these:
 * - WIREGUARD_ENDPOINT         host name NAS devices dial (default `wg.<BASE_DOMAIN>`)
 * - WIREGUARD_BASE_PORT        UDP port of the first tenant's interface; tenant n listens on base + n (default 51820)
 * - WIREGUARD_HOST_PUBLIC_KEY  the host's public key (its private key never leaves the host)
 * - WIREGUARD_HOST_KEY_FILE    where wg-quick on the host reads that private key
 */
export interface WireGuardHost {
  endpoint: string;
  basePort: number;
  publicKey: string | null;
  keyFile: string;
}

export function wireguardHostFromEnv(baseDomain: string, env: Record<string, string | undefined> = process.env) {
  const host: WireGuardHost = {
    endpoint: env.WIREGUARD_ENDPOINT || `wg.${baseDomain}`,
    basePort: Number(env.WIREGUARD_BASE_PORT) || 51820,
    publicKey: env.WIREGUARD_HOST_PUBLIC_KEY || null,
    keyFile: env.WIREGUARD_HOST_KEY_FILE || "/etc/wireguard/proxpanel-host.key",
  };
  return host;
}

const sealContext = (peerId: string) => `wireguard:${peerId}`;
const SUBNET_SIZE = 256;

/** X25519 keys as WireGuard writes them: the raw 32 bytes, standard base64. */
export function generateWireGuardKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const raw = (b64url: string | undefined) => Buffer.from(b64url ?? "", "base64url").toString("base64");
  return {
    publicKey: raw(publicKey.export({ format: "jwk" }).x),
    privateKey: raw(privateKey.export({ format: "jwk" }).d),
  };
}

interface Subnet {
  subnet: string;
  /** Position of the /24 inside the cluster range; also selects the host's listen port. */
  index: number;
  network: number;
}

function subnetInfo(subnet: string): Subnet {
  const cluster = parseIpv4Cidr(WIREGUARD_CLUSTER_CIDR);
  const network = ipv4ToInt(subnet.split("/")[0] ?? "");
  return { subnet, index: (network - cluster.network) / SUBNET_SIZE, network };
}

async function tenantSubnet(ctx: ServiceCtx): Promise<Subnet | null> {
  const [row] = await ctx.db
    .select({ subnet: wireguardAllocations.subnet })
    .from(wireguardAllocations)
    .where(eq(wireguardAllocations.tenantId, ctx.tenant.id));
  return row ? subnetInfo(row.subnet) : null;
}

/**
 * Takes the lowest free /24 of the cluster range. The unique index on subnet is the arbiter:
 * ON CONFLICT DO NOTHING (rather than catching the violation, which would abort a caller's
 * transaction) tells us another tenant won that /24, and we look again.
 */
export async function ensureTenantSubnet({ ctx }: { ctx: ServiceCtx }): Promise<Subnet> {
  const cluster = parseIpv4Cidr(WIREGUARD_CLUSTER_CIDR);
  const slots = cluster.size / SUBNET_SIZE;
  for (let attempt = 0; attempt <= slots; attempt++) {
    const existing = await tenantSubnet(ctx);
    if (existing) return existing;
    const taken = await ctx.db
      .select({ subnet: wireguardAllocations.subnet })
      .from(wireguardAllocations)
      .where(sql`${wireguardAllocations.subnet} <<= ${WIREGUARD_CLUSTER_CIDR}::cidr`);
    const used = new Set(taken.map((r) => subnetInfo(r.subnet).index));
    let index = 0;
    while (used.has(index)) index++;
    if (index >= slots) {
      throw new AppError(409, ErrorCode.conflict, "The cluster's WireGuard range has no free /24 left.");
    }
    const subnet = `${intToIpv4(cluster.network + index * SUBNET_SIZE)}/24`;
    const won = await ctx.db
      .insert(wireguardAllocations)
      .values({ tenantId: ctx.tenant.id, subnet })
      .onConflictDoNothing()
      .returning({ subnet: wireguardAllocations.subnet });
    if (won.length) {
      await writeAudit(ctx, { action: "wireguard.subnet_allocate", entityType: "wireguard", details: { subnet } });
      return subnetInfo(subnet);
    }
  }
  throw new AppError(503, ErrorCode.unavailable, "Could not allocate a WireGuard subnet; try again.");
}

const hostAddress = (s: Subnet) => intToIpv4(s.network + 1);

function peerColumns(ctx: ServiceCtx) {
  const { t } = ctx.tenant;
  return {
    id: t.wireguardPeers.id,
    nasId: t.wireguardPeers.nasId,
    nasName: t.nasDevices.name,
    publicKey: t.wireguardPeers.publicKey,
    address: sql<string>`host(${t.wireguardPeers.address})`,
    createdAt: t.wireguardPeers.createdAt,
  };
}

async function peers(ctx: ServiceCtx) {
  const { t } = ctx.tenant;
  return ctx.db
    .select(peerColumns(ctx))
    .from(t.wireguardPeers)
    .leftJoin(t.nasDevices, eq(t.nasDevices.id, t.wireguardPeers.nasId))
    .orderBy(asc(t.wireguardPeers.address));
}

export async function wireguardOverview(deps: { host: WireGuardHost }, { ctx }: { ctx: ServiceCtx }) {
  const subnet = await tenantSubnet(ctx);
  return {
    subnet: subnet?.subnet ?? null,
    hostAddress: subnet ? hostAddress(subnet) : null,
    endpoint: subnet ? `${deps.host.endpoint}:${deps.host.basePort + subnet.index}` : null,
    peers: await peers(ctx),
  };
}

/** A tunnel for one NAS: next free host address of the tenant's /24 (.1 is the cluster host). */
export async function createPeer(deps: { key: Buffer }, { ctx, input }: { ctx: ServiceCtx; input: { nasId: string } }) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    // Peers of one tenant are numbered one at a time so two creations never pick the same address.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`wireguard:${tx.tenant.id}`}))`);
    const [nas] = await tx.db
      .select({ id: t.nasDevices.id })
      .from(t.nasDevices)
      .where(eq(t.nasDevices.id, input.nasId));
    if (!nas) throw new AppError(400, ErrorCode.validation, "nasId: no such NAS");
    const [existing] = await tx.db
      .select({ id: t.wireguardPeers.id })
      .from(t.wireguardPeers)
      .where(eq(t.wireguardPeers.nasId, input.nasId));
    if (existing) throw new AppError(409, ErrorCode.conflict, "This NAS already has a WireGuard peer.");
    const subnet = await ensureTenantSubnet({ ctx: tx });
    const taken = await tx.db
      .select({ address: sql<string>`host(${t.wireguardPeers.address})` })
      .from(t.wireguardPeers);
    const used = new Set(taken.map((r) => ipv4ToInt(r.address)));
    let n = subnet.network + 2;
    while (used.has(n)) n++;
    if (n > subnet.network + SUBNET_SIZE - 2) {
      throw new AppError(409, ErrorCode.conflict, `The WireGuard subnet ${subnet.subnet} has no free address left.`);
    }
    const id = randomUUID();
    const keys = generateWireGuardKeys();
    const address = intToIpv4(n);
    await tx.db.insert(t.wireguardPeers).values({
      id,
      nasId: input.nasId,
      publicKey: keys.publicKey,
      privateKeyEnc: seal(deps.key, keys.privateKey, sealContext(id)),
      address,
    });
    const peer = { id, nasId: input.nasId, publicKey: keys.publicKey, address };
    await writeAudit(tx, {
      action: "wireguard.peer_create",
      entityType: "wireguard_peer",
      entityId: id,
      details: { after: peer },
    });
    return peer;
  });
}

export async function deletePeer({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db
      .delete(t.wireguardPeers)
      .where(eq(t.wireguardPeers.id, input.id))
      .returning({ id: t.wireguardPeers.id, nasId: t.wireguardPeers.nasId, publicKey: t.wireguardPeers.publicKey });
    if (!before) throw notFound("WireGuard peer not found");
    await writeAudit(tx, {
      action: "wireguard.peer_delete",
      entityType: "wireguard_peer",
      entityId: input.id,
      details: { before },
    });
  });
}

/** wg-quick config of the tenant's interface on the cluster host, every NAS as a peer. */
export async function renderHostConfig(deps: { host: WireGuardHost }, { ctx }: { ctx: ServiceCtx }): Promise<string> {
  const subnet = await tenantSubnet(ctx);
  if (!subnet) throw notFound("WireGuard is not set up for this workspace yet; add a peer first.");
  const lines = [
    `# ProxPanel WireGuard host interface for workspace ${ctx.tenant.slug} (${subnet.subnet})`,
    "[Interface]",
    `Address = ${hostAddress(subnet)}/24`,
    `ListenPort = ${deps.host.basePort + subnet.index}`,
    // The host's private key never passes through the API; wg-quick loads it on the host.
    `PostUp = wg set %i private-key ${deps.host.keyFile}`,
  ];
  for (const p of await peers(ctx)) {
    lines.push("", `# NAS ${p.nasName ?? "(deleted)"} (${p.nasId})`, "[Peer]", `PublicKey = ${p.publicKey}`);
    lines.push(`AllowedIPs = ${p.address}/32`);
  }
  return `${lines.join("\n")}\n`;
}

/** wg-quick config for one NAS. Holds its private key, so reading it is audited. */
export async function renderPeerConfig(
  deps: { key: Buffer; host: WireGuardHost },
  { ctx, input }: { ctx: ServiceCtx; input: { id: string } },
): Promise<string> {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    const [peer] = await tx.db
      .select({ ...peerColumns(tx), privateKeyEnc: t.wireguardPeers.privateKeyEnc })
      .from(t.wireguardPeers)
      .leftJoin(t.nasDevices, eq(t.nasDevices.id, t.wireguardPeers.nasId))
      .where(eq(t.wireguardPeers.id, input.id));
    if (!peer) throw notFound("WireGuard peer not found");
    const subnet = await tenantSubnet(tx);
    if (!subnet) throw new Error("peer without a tenant subnet");
    await writeAudit(tx, { action: "wireguard.peer_config_read", entityType: "wireguard_peer", entityId: peer.id });
    const hostKey = deps.host.publicKey;
    return `${[
      `# ProxPanel WireGuard tunnel for NAS ${peer.nasName ?? "(deleted)"} of workspace ${tx.tenant.slug}`,
      "[Interface]",
      `PrivateKey = ${unseal(deps.key, peer.privateKeyEnc, sealContext(peer.id))}`,
      `Address = ${peer.address}/24`,
      "",
      "[Peer]",
      ...(hostKey ? [] : ["# The API has no WIREGUARD_HOST_PUBLIC_KEY: paste the cluster host's public key here."]),
      `PublicKey = ${hostKey ?? "<cluster host public key>"}`,
      `Endpoint = ${deps.host.endpoint}:${deps.host.basePort + subnet.index}`,
      `AllowedIPs = ${hostAddress(subnet)}/32`,
      // NAS devices sit behind NAT often; keepalives hold the mapping open for RADIUS from the host.
      "PersistentKeepalive = 25",
    ].join("\n")}\n`;
  });
}
