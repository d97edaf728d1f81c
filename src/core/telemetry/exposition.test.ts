import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition.js';

describe('exposition format', () => {
  it('parses samples, labels with escapes, special values and timestamps, and reports bad lines', () => {
    const text = [
      '# HELP node_load1 1m load average.',
      '# TYPE node_load1 gauge',
      'node_load1 0.25',
      'node_cpu_seconds_total{cpu="0",mode="idle"} 12345.67',
      'weird{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",} 1e-3 1767225600000',
      'nan_metric NaN',
      'inf_metric{le="+Inf"} +Inf',
      'neg -Inf',
      'broken{a="x" 1',
      'noval',
      '',
    ].join('\n');
    const { samples, errors } = parseExposition(text);
    expect(samples.map((s) => s.metric)).toEqual(['node_load1', 'node_cpu_seconds_total', 'weird', 'nan_metric', 'inf_metric', 'neg']);
    expect(samples[1]).toEqual({ metric: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle' }, value: 12345.67, timestampMs: undefined });
    expect(samples[2]).toEqual({ metric: 'weird', labels: { path: 'C:\\dir', quote: 'say "hi"', nl: 'a\nb' }, value: 0.001, timestampMs: 1_767_225_600_000 });
    expect(samples[3]?.value).toBeNaN();
    expect(samples[4]?.value).toBe(Infinity);
    expect(samples[5]?.value).toBe(-Infinity);
    expect(errors.map((e) => e.line)).toEqual([9, 10]);
  });
});
