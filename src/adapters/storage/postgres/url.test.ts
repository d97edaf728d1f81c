import { describe, expect, it } from 'vitest';
import { maskDatabaseUrl } from './url.js';

describe('maskDatabaseUrl', () => {
  it.each([
    ['postgres://gov:s3cret@db.example.com:5432/governator', 'postgres://gov:****@db.example.com:5432/governator'],
    ['postgresql://gov:p%40ss%2Fw@10.0.0.5/gov?sslmode=require', 'postgresql://gov:****@10.0.0.5/gov?sslmode=require'],
    ['postgres://gov@localhost/gov', 'postgres://gov@localhost/gov'],
    ['postgres://localhost/gov?user=gov&password=hunter22', 'postgres://localhost/gov?user=gov&password=****'],
    ['postgres://gov:s3cret@/gov?host=/var/run/postgresql', 'postgres://gov:****@/gov?host=/var/run/postgresql'],
  ])('%s', (url, masked) => {
    expect(maskDatabaseUrl(url)).toBe(masked);
  });

  it('masks text that is not a URL whole', () => {
    expect(maskDatabaseUrl('not a url //user:pa ss@host')).toBe('****');
  });

  it('masks an unparsable postgres URL by pattern, up to the last @', () => {
    expect(maskDatabaseUrl('postgres://gov:p@ss@/gov?host=/run/pg&password=x')).toBe('postgres://gov:****@/gov?host=/run/pg&password=****');
  });
});
