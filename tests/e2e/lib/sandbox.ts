/**
 * Client for the sandbox control API (/_sandbox/*), using Node's fetch.
 * The URLs come from the environment set by global-setup.ts.
 */

export interface AuroraUser {
  id: number;
  public_id: string;
  role: number;
  tenant_id: number;
  quota_bytes: number;
  password: string;
  [k: string]: unknown;
}

export interface SandboxState {
  aurora: {
    users: AuroraUser[];
    logins: number;
    create_calls: number;
    /** CreateUser POSTs per PublicId (lower-cased), whatever the answer. */
    create_requests: Record<string, number>;
    [k: string]: unknown;
  };
  mumara: {
    users: Array<Record<string, unknown>>;
    add_calls: number;
    /** The same calls by the (lower-cased) address they carried, whatever their outcome. */
    add_calls_by_email: Record<string, number>;
    rate_limited: number;
    [k: string]: unknown;
  };
  preflights: number;
  config: Record<string, unknown>;
  [k: string]: unknown;
}

export type Knobs = Record<string, unknown>;

function envUrl(name: 'ROSTER_API_URL' | 'ROSTER_PAGE_URL'): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: the e2e global setup (global-setup.ts) did not run or failed`);
  }
  return v.replace(/\/+$/, '');
}

/** Base URL of the APIs, without trailing slash (e.g. http://127.0.0.1:41234). */
export function apiUrl(): string {
  return envUrl('ROSTER_API_URL');
}

/** URL of the served app, without trailing slash. */
export function pageUrl(): string {
  return envUrl('ROSTER_PAGE_URL');
}

/** What a user types into "Server URL" for Aurora: the installation base with a trailing slash. */
export function auroraServerUrl(): string {
  return apiUrl() + '/';
}

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const url = apiUrl() + path;
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new Error(`sandbox control call ${method} ${url} failed: ${(e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`sandbox control call ${method} ${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  }
  if (!text.trim()) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as unknown as T;
  }
}

/** Clears users and counters and restores the default knobs, then applies `knobs` if given. */
export async function resetSandbox(knobs?: Knobs): Promise<void> {
  await control('POST', '/_sandbox/reset', knobs);
}

/** Merges knobs into the current config, e.g. {aurora: {latency_ms: 200}} or {cors: null}. */
export async function configureSandbox(knobs: Knobs): Promise<void> {
  await control('POST', '/_sandbox/config', knobs);
}

/** Pre-creates existing users, e.g. seedSandbox({aurora: ['a2@localhost']}). */
export async function seedSandbox(seed: { aurora?: unknown[]; mumara?: unknown[] }): Promise<void> {
  await control('POST', '/_sandbox/seed', seed);
}

export async function sandboxState(): Promise<SandboxState> {
  return control<SandboxState>('GET', '/_sandbox/state');
}
