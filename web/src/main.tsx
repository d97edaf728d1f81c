import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, setUnauthorisedHandler, storedKey, storeKey, type Whoami } from './api';
import { App, type AppContext } from './app-context';
import { openStream, type StreamEvent, type StreamStatus } from './stream';
import { OverviewPage } from './pages/overview';
import { NodesPage } from './pages/nodes';
import { PoolsPage } from './pages/pools';
import { DecisionsPage } from './pages/decisions';
import { CostPage } from './pages/cost';
import { CatalogPage } from './pages/catalog';
import { AuditPage } from './pages/audit';
import { SignIn } from './pages/sign-in';
import './styles.css';

const PAGES = [
  { path: '/ui/', title: 'Overview', component: OverviewPage },
  { path: '/ui/nodes', title: 'Nodes', component: NodesPage },
  { path: '/ui/pools', title: 'Pools', component: PoolsPage },
  { path: '/ui/decisions', title: 'Decisions', component: DecisionsPage },
  { path: '/ui/cost', title: 'Cost', component: CostPage },
  { path: '/ui/catalog', title: 'Catalog', component: CatalogPage },
  { path: '/ui/audit', title: 'Audit log', component: AuditPage },
] as const;

function currentPath(): string {
  const p = location.pathname.replace(/\/+$/, '');
  return p === '' || p === '/ui' ? '/ui/' : p;
}

function Shell({ who, onSignOut }: { who: Whoami; onSignOut: () => void }) {
  const [path, setPath] = useState(currentPath());
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [status, setStatus] = useState<{ status: StreamStatus; detail?: string }>({ status: 'connecting' });
  const listeners = useRef(new Set<(e: StreamEvent) => void>());
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    const handle = openStream(key, {
      onEvent: (e) => {
        setEvents((list) => [e, ...list].slice(0, 200));
        for (const l of listeners.current) l(e);
      },
      onStatus: (s, detail) => setStatus({ status: s, ...(detail ? { detail } : {}) }),
    });
    return () => handle.close();
  }, []);

  useEffect(() => {
    const onPop = () => setPath(currentPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string) => {
    history.pushState(null, '', to);
    setPath(currentPath());
    // Move focus to the page so keyboard and screen-reader users land on the new content.
    requestAnimationFrame(() => main.current?.focus());
  }, []);
  const subscribe = useCallback((l: (e: StreamEvent) => void) => {
    listeners.current.add(l);
    return () => { listeners.current.delete(l); };
  }, []);

  const page = PAGES.find((p) => p.path === path);
  useEffect(() => { document.title = `${page?.title ?? 'Not found'} · Governator`; }, [page]);
  const ctx: AppContext = useMemo(() => ({ who, events, streamStatus: status.status, subscribe, navigate }), [who, events, status.status, subscribe, navigate]);
  const Page = page?.component;

  return (
    <App.Provider value={ctx}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Governator</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={p.path} aria-current={p.path === path ? 'page' : undefined}
                  onClick={(e) => { if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; e.preventDefault(); navigate(p.path); }}>{p.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${status.status}`} role="status" data-stream={status.status} title={status.detail ?? ''}>
          {status.status === 'live' ? '● live' : status.status === 'closed' ? `○ offline${status.detail ? `: ${status.detail}` : ''}` : `◌ ${status.status}${status.detail ? ` (${status.detail})` : ''}`}
        </span>
        <span class="who" data-role={who.role}>{who.name} · <strong>{who.role}</strong></span>
        <button type="button" class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {Page ? <Page /> : (
          <section><h1>Page not found</h1><p>There is no page at {path}. <a href="/ui/" onClick={(e) => { e.preventDefault(); navigate('/ui/'); }}>Go to the overview</a>.</p></section>
        )}
      </main>
    </App.Provider>
  );
}

function Root() {
  const [who, setWho] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(storedKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    storeKey(null);
    setWho(null);
    setNotice(reason ?? null);
  }, []);

  useEffect(() => {
    setUnauthorisedHandler((error: ApiError) => signOut(`Signed out: ${error.message}.`));
    const key = storedKey();
    if (!key) return;
    api<Whoami>('/api/v1/whoami').then(
      (w) => { setWho(w); setChecking(false); },
      (error: unknown) => { setChecking(false); if (!(error instanceof ApiError && error.status === 401)) setNotice(`Could not reach the server: ${(error as Error).message}`); },
    );
  }, [signOut]);

  if (checking) return <p class="state" role="status">Signing in…</p>;
  if (!who) {
    return <SignIn notice={notice} onSignedIn={(key, w) => { storeKey(key); setNotice(null); setWho(w); }} />;
  }
  return <Shell who={who} onSignOut={() => signOut()} />;
}

render(<Root />, document.getElementById('app')!);
