import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return <p class="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state empty" role="status">{children}</div>;
}

/** An API failure in words: missing feature (404), not allowed (403), or an error with its code and request id. */
export function ErrorState({ error, feature, retry }: { error: unknown; feature?: string; retry?: () => void }) {
  if (error instanceof ApiError && error.notAvailable) {
    return (
      <div class="state unavailable" role="status" data-state="not-available">
        <strong>{feature ?? 'This feature'} is not available on this server.</strong>
        <span> The endpoint answered 404: this Governator does not run it (not built yet, or not enabled in its configuration).</span>
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div class="state forbidden" role="status" data-state="forbidden">
        <strong>Your role may not see this.</strong> <span>{error.message}</span>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="state error" role="alert" data-state="error">
      <strong>Could not load {feature ?? 'this'}.</strong> <span>{message}</span>
      {error instanceof ApiError && error.code !== 'NETWORK' && <span class="muted"> ({error.code}{error.requestId ? `, request ${error.requestId}` : ''})</span>}
      {retry && <> <button type="button" onClick={retry}>Retry</button></>}
    </div>
  );
}
