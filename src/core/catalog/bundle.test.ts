import { describe, expect, it } from 'vitest';
import { offering } from '../../../test/support/catalog.js';
import { BUNDLE_HEADER, decodeBundle, encodeBundle, roundPrice } from './bundle.js';

const sources = new Map([['aws_karpenter', '2026-07'], ['gcp_cyclenerd', null]]);
const p5 = offering({ instanceType: 'p5en.48xlarge', vcpus: 192, memoryGiB: 2048, gpu: { model: 'H200', count: 8 }, pricePerHour: 63.296, source: 'bundled:aws_karpenter' });
const cud = offering({ provider: 'gcp', region: 'us-central1', instanceType: 'a3-highgpu-8g', purchase: 'reserved', term: '3y', vcpus: 208, memoryGiB: 1872,
  gpu: { model: 'H100', count: 8 }, pricePerHour: 38.864381, source: 'bundled:gcp_cyclenerd' });
const micro = offering({ provider: 'gcp', region: 'us-central1', zone: 'us-central1-a', instanceType: 'e2-micro', vcpus: 0.25, memoryGiB: 1, pricePerHour: 0.008376, source: 'bundled:gcp_cyclenerd' });

describe('bundle rows', () => {
  it('round-trip: encode then decode gives the offerings back, with each source\'s date', () => {
    const text = encodeBundle([p5, cud, micro]);
    expect(text.split('\n')[0]).toBe(BUNDLE_HEADER);
    const { offerings, problems } = decodeBundle(text, sources);
    expect(problems).toEqual([]);
    expect(offerings).toEqual([{ ...p5, asOf: '2026-07' }, cud, micro]);
  });

  it('the encoder refuses what a CSV cell cannot hold and offerings that are not bundled', () => {
    expect(() => encodeBundle([{ ...p5, instanceType: 'a,b' }])).toThrow(/comma/);
    expect(() => encodeBundle([{ ...p5, source: 'scenario' }])).toThrow(/not bundled/);
    expect(() => encodeBundle([{ ...p5, pricePerHour: 0 }])).toThrow(/price 0/);
  });

  it('a bad row is reported with its line and left out; the good rows load', () => {
    const good = encodeBundle([p5]).split('\n')[1] as string;
    const row = (change: (cells: string[]) => void) => {
      const cells = good.split(',');
      change(cells);
      return cells.join(',');
    };
    const text = [
      BUNDLE_HEADER,
      good,
      row((c) => { c[10] = 'NaN'; }),
      row((c) => { c[10] = '-63.296'; }),
      row((c) => { c[10] = '0'; }),
      row((c) => { c[10] = ''; }),
      row((c) => { c[6] = 'H999'; }),
      row((c) => { c[8] = 'cheap'; }),
      row((c) => { c[11] = 'lambda_labs'; }),
      row((c) => { c.pop(); }),
      row((c) => { c[4] = 'many'; }),
      row((c) => { c[7] = ''; }),
      row((c) => { c[9] = '1y'; }),
      '',
    ].join('\n');
    const { offerings, problems } = decodeBundle(text, sources);
    expect(offerings).toHaveLength(1);
    expect(problems).toEqual([
      { line: 3, reason: 'price NaN per hour is not a number above 0' },
      { line: 4, reason: 'price -63.296 per hour is not a number above 0' },
      { line: 5, reason: 'price 0 per hour is not a number above 0' },
      { line: 6, reason: 'price NaN per hour is not a number above 0' },
      { line: 7, reason: 'GPU model "H999" is not a normalised name' },
      { line: 8, reason: 'purchase "cheap" is not one of on-demand, spot, reserved, owned' },
      { line: 9, reason: 'source "lambda_labs" is not in the manifest' },
      { line: 10, reason: '11 columns, expected 12' },
      { line: 11, reason: 'vCPUs NaN is not a number above 0' },
      { line: 12, reason: 'gpu_model and gpu_count must both be set or both be empty' },
      { line: 13, reason: 'only reserved offerings have a term' },
    ]);
  });

  it('a file without the header loads nothing', () => {
    expect(decodeBundle('provider,region\naws,us-east-1\n', sources)).toEqual({ offerings: [], problems: [{ line: 1, reason: `header is not ${BUNDLE_HEADER}` }] });
  });

  it('roundPrice keeps a micro-dollar', () => {
    expect(roundPrice(44810.08066464 / 730)).toBe(61.383672);
    expect(roundPrice(88.4899999025753)).toBe(88.49);
  });
});
