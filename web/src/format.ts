const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const usdPrecise = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
const num = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export const money = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : usd.format(v));
export const price = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : usdPrecise.format(v));
export const count = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : num.format(v));
export const signedMoney = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : ''}${usdPrecise.format(Math.abs(v))}`;
export const percent = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${Math.round(v * 100)}%`);

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
