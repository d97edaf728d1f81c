import { describe, expect, it } from 'vitest';
import { DEFAULT_LABEL_LIMITS, identifySeries, isSeriesProblem, labelsMatch, parseLabelMatcher, seriesKey } from './series.js';
import { nodeIdOf, stripPort } from './nodes.js';

describe('series identity', () => {
  it('gives the same key whatever the label order, and escapes values', () => {
    const a = identifySeries([['__name__', 'm'], ['b', '2'], ['a', 'x"y\\z\nw']], DEFAULT_LABEL_LIMITS);
    const b = identifySeries([['a', 'x"y\\z\nw'], ['b', '2'], ['__name__', 'm']], DEFAULT_LABEL_LIMITS);
    expect(a).toEqual(b);
    expect(isSeriesProblem(a) ? null : a.key).toBe('m{a="x\\"y\\\\z\\nw",b="2"}');
    expect(seriesKey('up', {})).toBe('up');
  });

  it('drops empty label values (Prometheus: empty means absent)', () => {
    const s = identifySeries([['__name__', 'm'], ['gone', ''], ['k', 'v']], DEFAULT_LABEL_LIMITS);
    expect(s).toMatchObject({ metric: 'm', labels: { k: 'v' }, key: 'm{k="v"}' });
  });

  it.each([
    ['no name', [['a', 'b']], 'invalid_series'],
    ['bad metric name', [['__name__', '1abc']], 'invalid_series'],
    ['bad label name', [['__name__', 'm'], ['a-b', 'x']], 'invalid_series'],
    ['reserved label', [['__name__', 'm'], ['__meta', 'x']], 'invalid_series'],
    ['repeated label', [['__name__', 'm'], ['a', 'x'], ['a', 'y']], 'invalid_series'],
    ['too many labels', [['__name__', 'm'], ...Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])], 'label_limits'],
    ['long value', [['__name__', 'm'], ['a', 'x'.repeat(2049)]], 'label_limits'],
    ['NUL in a value (PostgreSQL cannot store it)', [['__name__', 'm'], ['a', 'x\u0000y']], 'invalid_series'],
  ] as Array<[string, Array<[string, string]>, string]>)('refuses %s', (_name, pairs, reason) => {
    const s = identifySeries(pairs, DEFAULT_LABEL_LIMITS);
    expect(isSeriesProblem(s) && s.reason).toBe(reason);
  });

  it('takes the metric name from the argument when given', () => {
    expect(identifySeries([['job', 'x']], DEFAULT_LABEL_LIMITS, 'cpu')).toMatchObject({ metric: 'cpu', key: 'cpu{job="x"}' });
  });

  it('parses label matchers in both forms and says what is wrong', () => {
    expect(parseLabelMatcher('{"job":"node","instance":"a:9100"}')).toEqual({ job: 'node', instance: 'a:9100' });
    expect(parseLabelMatcher('job=node, instance="a:9100"')).toEqual({ job: 'node', instance: 'a:9100' });
    expect(parseLabelMatcher('')).toEqual({});
    expect(parseLabelMatcher('{"a":1}')).toMatch(/must be a string/);
    expect(parseLabelMatcher('novalue')).toMatch(/not name=value/);
    expect(parseLabelMatcher('{bad')).toMatch(/not valid JSON/);
    expect(labelsMatch({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(labelsMatch({ a: '1' }, { a: '2' })).toBe(false);
  });

  it('maps series to nodes by the first configured label, dropping the port of instance', () => {
    const order = ['governator_node', 'node', 'instance'];
    expect(nodeIdOf({ instance: '10.0.0.7:9100' }, order)).toBe('10.0.0.7');
    expect(nodeIdOf({ instance: '[fe80::1]:9100', node: 'i-0abc' }, order)).toBe('i-0abc');
    expect(nodeIdOf({ governator_node: 'n1', node: 'x' }, order)).toBe('n1');
    expect(nodeIdOf({ job: 'x' }, order)).toBeNull();
    expect(stripPort('[fe80::1]:9100')).toBe('fe80::1');
    expect(stripPort('host')).toBe('host');
  });
});
