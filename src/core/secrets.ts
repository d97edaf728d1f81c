/** What a secret value is replaced with wherever it would be shown. */
export const MASK = '****';

/**
 * A database URL with its password (in the userinfo, or a `password` query parameter, which libpq also
 * accepts) replaced by `****`; everything else stays readable, since host and database help debugging. A URL
 * without a password is returned as is. A postgres URL that WHATWG URL cannot parse (libpq accepts some,
 * e.g. an empty host with `?host=/socket/dir`) is masked by pattern, over-masking rather than leaking when in
 * doubt; any other text is masked whole.
 */
export function maskUrlPassword(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    if (!/^postgres(ql)?:\/\//i.test(text)) return MASK;
    return text
      .replace(/^([a-z]+:\/\/[^:/@]*:).*@/i, `$1${MASK}@`)
      .replace(/([?&]password=)[^&]*/i, `$1${MASK}`);
  }
  const queryHasPassword = url.searchParams.has('password');
  if (url.password === '' && !queryHasPassword) return text;
  if (queryHasPassword) url.searchParams.set('password', MASK);
  const userinfo = url.password === '' ? url.username : `${url.username}:${MASK}`;
  const at = userinfo === '' ? '' : '@';
  return `${url.protocol}//${userinfo}${at}${url.host}${url.pathname}${url.search}${url.hash}`;
}
