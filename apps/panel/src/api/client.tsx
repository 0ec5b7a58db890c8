import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

/** An API failure carrying the server's `{ error: { code, message } }` so pages can show it verbatim. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

// Each host (tenant or apex) keeps its own token: localStorage is per origin already.
const TOKEN_KEY = "proxpanel.token";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

const unauthorizedListeners = new Set<() => void>();
/** Called when any request answers 401, so the app can drop back to its login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) for (const l of unauthorizedListeners) l();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

interface Result<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The body of a successful call, typed from the route's response schema in the OpenAPI document;
 * a failure becomes an ApiError carrying the server's code and message.
 */
export async function unwrap<D>(call: Promise<Result<D>>): Promise<D> {
  let res: Result<D>;
  try {
    res = await call;
  } catch (err) {
    throw new ApiError(0, "network_error", `Could not reach the server: ${String(err)}`);
  }
  if (!res.response.ok) {
    const body = (res.error ?? {}) as ErrorBody;
    throw new ApiError(
      res.response.status,
      body.error?.code ?? "http_error",
      body.error?.message ?? `Request failed (${res.response.status})`,
      body.error?.details,
    );
  }
  return res.data as D;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Downloads an authenticated file (CSV export, backup archive): a plain link would not carry the
 * bearer token, so the bytes are fetched and handed to the browser as a blob.
 */
/** `token`: whose bearer token to send (the portal passes the subscriber's); the staff one by default. */
export async function downloadFile(path: string, fallbackName: string, token = getToken()): Promise<void> {
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as ErrorBody;
    throw new ApiError(
      res.status,
      body.error?.code ?? "http_error",
      body.error?.message ?? `Download failed (${res.status})`,
    );
  }
  const disposition = res.headers.get("content-disposition") ?? "";
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
