import QRCode from "qrcode";
import { createResource, createSignal, Show } from "solid-js";
import { api, downloadFile, getToken, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { createActionError } from "../../ui/action-error";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { formatDate } from "../../ui/format";
import { Modal } from "../../ui/Modal";
import { Table } from "../../ui/Table";
import { toast } from "../../ui/Toast";
import { session } from "../session";

type Peer = Overview["peers"][number];

type Overview = ApiData<"/api/wireguard", "get">;

/** The peer's wg-quick file, fetched with the session (it carries the NAS's private key). */
async function peerConfig(id: string): Promise<string> {
  const token = getToken();
  const res = await fetch(`/api/wireguard/peers/${id}/config`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw new Error(`Could not load the configuration (${res.status}).`);
  return res.text();
}

/** A QR code of a peer's configuration, for a NAS or phone app that scans it; drawn in the browser. */
function PeerQr(props: { peer: Peer; onClose: () => void }) {
  const [qr] = createResource(async () => QRCode.toDataURL(await peerConfig(props.peer.id), { margin: 1, width: 280 }));
  return (
    <Modal title={`WireGuard config of ${props.peer.nasName ?? props.peer.address}`} onClose={props.onClose}>
      <ErrorBanner error={qr.error} />
      <Show
        when={qr()}
        fallback={
          <Show when={!qr.error}>
            <p class="muted">Drawing…</p>
          </Show>
        }
      >
        {(src) => (
          <img src={src()} alt={`QR code of the WireGuard configuration of ${props.peer.nasName ?? "the NAS"}`} />
        )}
      </Show>
      <p class="muted">It holds the tunnel's private key: show it only to whoever sets up this NAS.</p>
    </Modal>
  );
}

/** Tunnels from the tenant's NAS devices to the cluster: one peer per NAS in the tenant's /24. */
export default function WireGuardPage() {
  const [overview, { refetch }] = createResource(() => unwrap(api.GET("/api/wireguard")));
  const [nas] = createResource(() => unwrap(api.GET("/api/nas", { params: { query: { limit: 100 } } })));
  const [nasId, setNasId] = createSignal("");
  const [qrOf, setQrOf] = createSignal<Peer>();
  const actions = createActionError();
  const canEdit = () => session.can("wireguard.edit");
  const free = () => (nas()?.items ?? []).filter((n) => !overview()?.peers.some((p) => p.nasId === n.id));
  const act = (fn: () => Promise<unknown>, done: string) =>
    actions.run(async () => {
      await fn();
      toast(done);
      await refetch();
    });
  return (
    <section>
      <h1>WireGuard</h1>
      <ErrorBanner error={actions.error() ?? overview.error ?? nas.error} onDismiss={actions.dismiss} />
      <Show
        when={overview()}
        fallback={
          <Show when={!overview.error}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        {(o) => (
          <>
            <div class="card">
              <Show
                when={o().subnet}
                fallback={
                  <>
                    <p>No tunnel subnet yet. It is allocated with the first peer, or now:</p>
                    <Show when={canEdit()}>
                      <button
                        type="button"
                        class="primary"
                        onClick={() => act(() => unwrap(api.POST("/api/wireguard/subnet")), "Subnet allocated")}
                      >
                        Allocate subnet
                      </button>
                    </Show>
                  </>
                }
              >
                <dl class="kv">
                  <dt>Subnet</dt>
                  <dd data-testid="wg-subnet">{o().subnet}</dd>
                  <dt>Cluster end</dt>
                  <dd>{o().hostAddress}</dd>
                  <dt>Endpoint</dt>
                  <dd>{o().endpoint}</dd>
                </dl>
                <button
                  type="button"
                  onClick={() => actions.run(() => downloadFile("/api/wireguard/host.conf", "wg-host.conf"))}
                >
                  Download host.conf
                </button>
              </Show>
            </div>
            <Show when={canEdit()}>
              <form
                class="toolbar"
                aria-label="New peer"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (!nasId()) return;
                  void act(
                    () => unwrap(api.POST("/api/wireguard/peers", { body: { nasId: nasId() } })),
                    "Peer created",
                  );
                  setNasId("");
                }}
              >
                <SelectField
                  label="NAS without a tunnel"
                  placeholder={free().length ? "Choose a NAS" : "Every NAS has a tunnel"}
                  value={nasId()}
                  options={free().map((n) => ({ value: n.id, label: `${n.name} (${n.ipAddress})` }))}
                  onChange={(e) => setNasId(e.currentTarget.value)}
                />
                <button type="submit" class="primary" disabled={!nasId()}>
                  Create peer
                </button>
              </form>
            </Show>
            <Table
              caption="Peers"
              rows={o().peers}
              rowKey={(p) => p.id}
              empty="No peers yet: create one for each NAS that should reach the cluster through a tunnel."
              columns={[
                { key: "nasName", label: "NAS", render: (p) => p.nasName ?? "—" },
                { key: "address", label: "Tunnel address" },
                { key: "publicKey", label: "Public key", render: (p) => <code>{p.publicKey}</code> },
                { key: "createdAt", label: "Created", render: (p) => formatDate(p.createdAt) },
                {
                  key: "actions",
                  label: "Actions",
                  render: (p) => (
                    <Show when={canEdit()}>
                      <div class="actions row-actions">
                        <button
                          type="button"
                          aria-label={`Download config of ${p.nasName ?? p.address}`}
                          onClick={() =>
                            actions.run(() =>
                              downloadFile(`/api/wireguard/peers/${p.id}/config`, `wg-${p.nasName ?? p.address}.conf`),
                            )
                          }
                        >
                          Config
                        </button>
                        <button
                          type="button"
                          aria-label={`QR code of ${p.nasName ?? p.address}`}
                          onClick={() => setQrOf(p)}
                        >
                          QR
                        </button>
                        <button
                          type="button"
                          aria-label={`Delete peer of ${p.nasName ?? p.address}`}
                          onClick={() => {
                            if (!confirm("Delete this tunnel? The NAS loses its connection through it.")) return;
                            void act(
                              () => unwrap(api.DELETE("/api/wireguard/peers/{id}", { params: { path: { id: p.id } } })),
                              "Peer deleted",
                            );
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    </Show>
                  ),
                },
              ]}
            />
          </>
        )}
      </Show>
      <Show when={qrOf()}>{(p) => <PeerQr peer={p()} onClose={() => setQrOf(undefined)} />}</Show>
    </section>
  );
}
