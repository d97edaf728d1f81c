import { describe, expect, it } from 'vitest';
import { GPU_MODELS, isGpuModel, normalizeGpuModel } from './gpu.js';

describe('normalizeGpuModel', () => {
  it.each([
    // spellings seen in the sources (and the examples)
    ['NVIDIA H100 80GB HBM3', 'H100'], ['nvidia-h100-80gb', 'H100'], ['h100-80gb', 'H100'], ['H100-MEGA', 'H100'],
    ['h100-80gb-mega', 'H100'], ['nvidia-h100-mega-80gb', 'H100'], ['NVIDIA H100', 'H100'], ['H100 NVL', 'H100'],
    ['H200', 'H200'], ['nvidia-h200-141gb', 'H200'], ['NVIDIA H200', 'H200'],
    ['A100 80GB', 'A100-80GB'], ['nvidia-a100-80gb', 'A100-80GB'], ['a100-80gb', 'A100-80GB'], ['A100-80GB', 'A100-80GB'],
    ['nvidia-tesla-a100', 'A100'], ['NVIDIA A100', 'A100'], ['a100', 'A100'], ['A100 40GB', 'A100'],
    ['L40S', 'L40S'], ['l40s', 'L40S'], ['NVIDIA L40S', 'L40S'], ['L4', 'L4'], ['nvidia-l4', 'L4'], ['NVIDIA L4', 'L4'],
    ['A10G', 'A10G'], ['NVIDIA A10G', 'A10G'], ['a10g', 'A10G'], ['A10', 'A10'],
    ['T4', 'T4'], ['nvidia-tesla-t4', 'T4'], ['NVIDIA T4 Tensor Core', 'T4'], ['NVIDIA T4G Tensor Core', 'T4G'],
    ['V100', 'V100'], ['Tesla V100', 'V100'], ['V100-32GB', 'V100'], ['NVIDIA Tesla K80', 'K80'], ['NVIDIA Tesla M60', 'M60'],
    ['NVIDIA GRID K520', 'K520'], ['B200', 'B200'], ['NVIDIA B200', 'B200'], ['b300', 'B300'], ['nvidia-gb200', 'GB200'],
    ['MI300X', 'MI300X'], ['AMD Instinct MI300X', 'MI300X'], ['AMD Radeon Pro V520', 'V520'], ['radeon-pro-v520', 'V520'],
    ['rtx-pro-server-6000', 'RTX-PRO-6000'], ['nvidia-rtx-pro-6000', 'RTX-PRO-6000'], ['rtx-pro-4500', 'RTX-PRO-4500'],
    ['Gaudi', 'Gaudi'], ['Habana Gaudi HL-205', 'Gaudi'], ['Gaudi2', 'Gaudi2'],
    ['AWS Inferentia', 'Inferentia'], ['inferentia2', 'Inferentia2'], ['AWS Trainium2', 'Trainium2'], ['trainium', 'Trainium'],
    ['Qualcomm AI 100 Accelerators', 'AI100'], ['qualcomm-ai100', 'AI100'],
  ])('%j → %s', (raw, model) => {
    expect(normalizeGpuModel(raw)).toBe(model);
  });

  it('uses the memory hint to tell an A100 80GB from an A100 40GB', () => {
    expect(normalizeGpuModel('NVIDIA A100', { memoryGiB: 80 })).toBe('A100-80GB');
    expect(normalizeGpuModel('a100', { memoryGiB: 40 })).toBe('A100');
    expect(normalizeGpuModel('H100', { memoryGiB: 80 })).toBe('H100');
  });

  it.each(['', '   ', 'Radeon', 'NVIDIA', 'X9000', 'H1000', 'A1000', 'gpu', '80GB', 'RTX 6000', 'nvidia-h100-80gb-extra'])('does not know %j', (raw) => {
    expect(normalizeGpuModel(raw)).toBeNull();
  });

  it('maps every normalised name to itself', () => {
    for (const model of GPU_MODELS) {
      expect(normalizeGpuModel(model)).toBe(model);
      expect(isGpuModel(model)).toBe(true);
    }
    expect(isGpuModel('h100')).toBe(false);
  });
});
