import { describe, expect, it } from 'vitest';
import { capacityOf } from './capacity.js';

const h100x8 = { id: 'aws:us-east-1:p5.48xlarge:on-demand', instanceType: 'p5.48xlarge', gpu: { model: 'H100', count: 8 }, vcpus: 192 };
const cpu = { id: 'aws:us-east-1:m7i.large:on-demand', instanceType: 'm7i.large', gpu: null, vcpus: 2 };

describe('capacityOf', () => {
  it.each([
    ['byGpuModel multiplies by GPU count', { byGpuModel: { H100: 11.2 } }, h100x8, 89.6],
    ['byInstanceType beats byGpuModel', { byGpuModel: { H100: 11.2 }, byInstanceType: { 'p5.48xlarge': 80 } }, h100x8, 80],
    ['byOffering beats everything', { byOffering: { [h100x8.id]: 70 }, byInstanceType: { 'p5.48xlarge': 80 } }, h100x8, 70],
    ['perVcpu multiplies by vCPUs', { perVcpu: 0.5 }, cpu, 1],
    ['a GPU model the pool does not name falls through to perVcpu', { byGpuModel: { A100: 5 }, perVcpu: 0.1 }, h100x8, 19.2],
    ['no entry: cannot serve', { byGpuModel: { A100: 5 } }, cpu, null],
  ] as const)('%s', (_name, model, offering, expected) => {
    const got = capacityOf(model, offering);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 9);
  });
});
