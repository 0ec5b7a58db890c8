import { z } from "zod";

/** A NAS's tunnel: its address in the tenant's /24 and public key (never the private key). */
const peer = z.object({ id: z.uuid(), nasId: z.uuid(), publicKey: z.string(), address: z.ipv4() });
export const peerCreated = z.object({ peer });
/** The tenant's tunnel subnet (null until one is taken), the cluster host's side and every peer. */
export const wireguardOverviewBody = z.object({
  subnet: z.string().nullable(),
  hostAddress: z.ipv4().nullable(),
  endpoint: z.string().nullable(),
  peers: z.array(peer.extend({ nasName: z.string().nullable(), createdAt: z.iso.datetime() })),
});
export const subnetBody = z.object({ subnet: z.string() });
