/**
 * The database URL with its password replaced by `****` (also a `password=` query parameter), safe to print
 * and log. Text that is not a URL is masked by pattern, never returned with a secret in it.
 */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '****';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '****');
    // URL.toString() would percent-encode the stars in the query; keep the text readable.
    return parsed.toString().replace(/%2A%2A%2A%2A/g, '****');
  } catch {
    return url
      .replace(/(\/\/[^:/@]*:)[^@]*@/, '$1****@')
      .replace(/([?&]password=)[^&]*/i, '$1****');
  }
}
