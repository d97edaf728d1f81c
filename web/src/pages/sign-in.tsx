import { useState } from 'preact/hooks';
import { api, ApiError, type Whoami } from '../api';

/** Sign in with an API key. The key is checked with GET /api/v1/whoami and kept in sessionStorage only. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string, who: Whoami) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!/^gov_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/.test(trimmed)) {
      setError('That does not look like a Governator API key (gov_<12 hex digits>_<43 characters>).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const who = await api<Whoami>('/api/v1/whoami', { key: trimmed });
      onSignedIn(trimmed, who);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'The server refused this key (unknown, revoked or mistyped).' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Governator</h1>
      <p>Sign in with an API key. Your first admin key is in <code>data/initial-admin-key</code>; make others with <code>governator keys create</code>.</p>
      {notice && <p class="state error" role="alert">{notice}</p>}
      <form onSubmit={submit}>
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autoComplete="off" spellcheck={false} value={key} required
          onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} aria-describedby="key-help" aria-invalid={error ? true : undefined} />
        <small id="key-help">Kept for this browser tab only (sessionStorage), sent as a bearer token, never in a URL.</small>
        {error && <p class="state error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
