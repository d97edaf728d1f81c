import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { Whoami } from './api';
import type { StreamEvent, StreamStatus } from './stream';

export interface AppContext {
  who: Whoami;
  /** Live events, newest first (the last 200). */
  events: readonly StreamEvent[];
  streamStatus: StreamStatus;
  /** Subscribe to live events; returns the unsubscribe function. */
  subscribe: (listener: (e: StreamEvent) => void) => () => void;
  navigate: (path: string) => void;
}

export const App = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(App);
  if (!ctx) throw new Error('useApp outside the signed-in app');
  return ctx;
}

/** Call `fn` for each live event whose type is in `types`. */
export function useLive(types: readonly string[], fn: (e: StreamEvent) => void): void {
  const { subscribe } = useApp();
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => subscribe((e) => { if (types.includes(e.type)) fnRef.current(e); }), [subscribe, types.join(',')]);
}
