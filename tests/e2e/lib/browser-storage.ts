/**
 * Issue 5 helpers: everything the page keeps in the browser (localStorage, sessionStorage,
 * every IndexedDB database), and every console message, to search them for secrets.
 */
import type { Page } from '@playwright/test';

/** A text dump of localStorage, sessionStorage and all IndexedDB stores of the page. */
export async function dumpBrowserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const [name, store] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const) {
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i)!;
        out.push(`${name} ${k} = ${store.getItem(k)}`);
      }
    }
    const dbs = indexedDB.databases ? await indexedDB.databases() : [];
    for (const info of dbs) {
      if (!info.name) continue;
      const db: IDBDatabase = await new Promise((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const storeName of Array.from(db.objectStoreNames)) {
        const all: unknown[] = await new Promise((res, rej) => {
          const r = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        out.push(`indexedDB ${info.name}/${storeName} = ${JSON.stringify(all)}`);
      }
      db.close();
    }
    return out.join('\n');
  });
}

/** Collects every console message (any level) and page error of `page`. */
export function collectConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (msg) => messages.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => messages.push(`pageerror: ${err.message}`));
  return messages;
}

/** Collects Aurora AuthTokens the page received (to look for them where they must not be). */
export function collectAuthTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('response', async (res) => {
    if (!res.url().includes('?/Api/') || res.request().method() !== 'POST') return;
    try {
      const body = await res.text();
      const m = body.match(/"AuthToken"\s*:\s*"([^"]+)"/);
      if (m) tokens.push(m[1]);
    } catch {
      /* body not available (blocked or aborted) */
    }
  });
  return tokens;
}
