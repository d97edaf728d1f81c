import type { GpuSpec } from '../../../core/model/node.js';

/**
 * vCPUs, memory and GPUs of an Azure VM size, derived from its name. The Apache-2.0 Azure price file
 * (Azure/karpenter-provider-azure) has prices but no specs, so the catalog derives them from Azure's naming
 * convention and a small family table. Facts from Microsoft Learn, "Azure virtual machine sizes naming
 * conventions" and the per-series size pages (learn.microsoft.com/azure/virtual-machines/sizes/…): the
 * number after the family letters is the vCPU count (from v3 on, and in F, L, H, HB, HC, HX, DC and the GPU
 * series); `-N` after it is a constrained-vCPU size with N active vCPUs and the memory of the full size;
 * feature letters: a = AMD, p = Arm, d = local disk, s = premium storage, l = low memory, m = memory
 * intensive, t = tiny memory, i = isolated, b = block-storage performance, e = confidential (TDX), r = RDMA.
 *
 * A size the table does not cover is refused with a reason, never guessed: legacy sizes whose number is not
 * the vCPU count (A0–A11, D1–D15 v1/v2, DS, G, GS, Basic), families whose memory does not follow a ratio
 * (M-series, B v1), and the largest sizes of families whose memory stops following the ratio.
 *
 * test/catalog/sources.test.ts cross-checks every derivation against an independent Azure catalog
 * (tests only; that file has no licence and is not shipped).
 */
export type AzureSize =
  | { readonly ok: true; readonly vcpus: number; readonly memoryGiB: number; readonly gpu: GpuSpec | null }
  | { readonly ok: false; readonly reason: string };

interface Parsed {
  readonly family: string;
  /** The number in the name (the full size's vCPUs). */
  readonly size: number;
  /** Active vCPUs of a constrained size (`E64-16s_v3` → 16), else null. */
  readonly constrained: number | null;
  readonly features: string;
  /** Parts between the first and the version (`H100`, `cc`, `xl`, `RTXPRO6000BSE` …). */
  readonly tags: readonly string[];
  /** 0 when the name has no `_vN`. */
  readonly version: number;
}

const FIRST = /^([A-Z]+)([0-9]+)(?:-([0-9]+))?([a-z]*)$/;

function parse(sku: string): Parsed | string {
  if (!sku.startsWith('Standard_')) return 'not a VM size name (expected Standard_…)';
  const parts = sku.slice('Standard_'.length).split('_');
  if (parts[parts.length - 1] === 'Promo') parts.pop();
  // The version is usually last (`_v5`), but a few names carry a tag after it (`E16ds_v4_ADHType1`).
  let version = 0;
  const at = parts.findLastIndex((part, i) => i > 0 && /^v[0-9]+$/.test(part));
  if (at > 0) {
    version = Number((parts[at] as string).slice(1));
    parts.splice(at, 1);
  }
  const match = FIRST.exec(parts[0] ?? '');
  if (match === null) return 'name does not follow the size naming convention';
  const [, family, size, constrained, features] = match as unknown as [string, string, string, string | undefined, string];
  return { family, size: Number(size), constrained: constrained === undefined ? null : Number(constrained), features, tags: parts.slice(1), version };
}

/** GiB of memory per vCPU for a general family at a version, by feature letters. */
type Ratio = (p: Parsed) => number;

const has = (p: Parsed, letter: string) => p.features.includes(letter);

/**
 * Memory per vCPU of the families whose sizes follow one ratio, with the largest size the ratio is known to
 * hold for (bigger sizes in these families are capped below the ratio and are refused).
 */
const RATIO_FAMILIES: Readonly<Record<string, { readonly versions: readonly number[]; readonly ratio: Ratio; readonly maxSize: (p: Parsed) => number }>> = {
  // General purpose: 4 GiB per vCPU, 2 with `l` (Dlsv5/v6, Dalsv6 …).
  // Arm Dpsv5 stops at 208 GiB (D64ps_v5), so its 64-vCPU sizes are refused.
  D: { versions: [3, 4, 5, 6], ratio: (p) => (has(p, 'l') ? 2 : 4), maxSize: (p) => (p.version === 5 && has(p, 'p') ? 48 : 96) },
  // Memory optimised: 8 GiB per vCPU; the largest sizes of each version are capped (E64 v3 432 GiB, E96 v5 672 GiB).
  // Arm Epsv5 stops at 208 GiB (E32ps_v5).
  E: {
    versions: [3, 4, 5, 6],
    ratio: () => 8,
    maxSize: (p) => (p.version === 5 && has(p, 'p') ? 20 : p.version === 3 || (p.version === 4 && !has(p, 'a')) ? 48 : 64),
  },
  // Compute optimised: F v1 and Fsv2 2 GiB per vCPU; F v6/v7 4 (as, ads), 2 with l, 8 with m.
  F: {
    versions: [0, 2, 6, 7],
    ratio: (p) => (p.version <= 2 ? 2 : has(p, 'l') ? 2 : has(p, 'm') ? 8 : 4),
    maxSize: (p) => (p.version === 0 ? 16 : 72),
  },
  // Storage optimised: 8 GiB per vCPU.
  L: { versions: [0, 2, 3], ratio: () => 8, maxSize: () => 96 },
  // Confidential: DCsv2 4 GiB per vCPU, DCsv3/DCdsv3 8, DCas/DCads/DCes/DCeds v5/v6 4.
  DC: { versions: [2, 3, 5, 6], ratio: (p) => (p.version === 3 ? 8 : 4), maxSize: () => 96 },
  // Confidential memory optimised (ECas/ECads/ECes/ECeds v5/v6): 8 GiB per vCPU.
  EC: { versions: [5, 6], ratio: () => 8, maxSize: () => 64 },
  // Av2: 2 GiB per vCPU, 8 with m (A2m_v2).
  A: { versions: [2], ratio: (p) => (has(p, 'm') ? 8 : 2), maxSize: () => 8 },
  // Bsv2/Basv2/Bpsv2: 4 GiB per vCPU, 2 with l, 0.5 with t (B2ts_v2: 1 GiB).
  B: { versions: [2], ratio: (p) => (has(p, 't') ? 0.5 : has(p, 'l') ? 2 : 4), maxSize: () => 32 },
  // H (HPC, v1): 7 GiB per vCPU, 14 with m (r: RDMA).
  H: { versions: [0], ratio: (p) => (has(p, 'm') ? 14 : 7), maxSize: () => 16 },
};

/** Sizes of ratio families that the size pages list below the ratio. */
const MEMORY_EXCEPTIONS: Readonly<Record<string, number>> = {
  // ECasv5/ECadsv5: the 32-vCPU sizes have 192 GiB, not 256.
  EC32as_v5: 192, EC32ads_v5: 192, EC32as_cc_v5: 192, EC32ads_cc_v5: 192,
};

/** Feature letters the ratio rules understand; a size with any other (h, i isolated, …) is refused. */
const RATIO_FEATURES = /^[abdelmnprst]*$/;

/** HPC sizes: memory of the full size (constrained sizes keep it), by family, number and version. */
const HPC_MEMORY: Readonly<Record<string, number>> = {
  'HB120:2': 456, 'HB176:4': 768, 'HC44:0': 352, 'HX176:0': 1408,
};

/** GPU sizes: the whole size name (without Standard_) → memory and GPUs. */
const GPU_SIZES: Readonly<Record<string, { readonly memoryGiB: number; readonly gpu: GpuSpec }>> = {
  // NCv3 (V100 16 GB)
  NC6s_v3: { memoryGiB: 112, gpu: { model: 'V100', count: 1 } },
  NC12s_v3: { memoryGiB: 224, gpu: { model: 'V100', count: 2 } },
  NC24s_v3: { memoryGiB: 448, gpu: { model: 'V100', count: 4 } },
  NC24rs_v3: { memoryGiB: 448, gpu: { model: 'V100', count: 4 } },
  // NCasT4_v3
  NC4as_T4_v3: { memoryGiB: 28, gpu: { model: 'T4', count: 1 } },
  NC8as_T4_v3: { memoryGiB: 56, gpu: { model: 'T4', count: 1 } },
  NC16as_T4_v3: { memoryGiB: 110, gpu: { model: 'T4', count: 1 } },
  NC64as_T4_v3: { memoryGiB: 440, gpu: { model: 'T4', count: 4 } },
  // NC A100 v4 (A100 80 GB PCIe)
  NC24ads_A100_v4: { memoryGiB: 220, gpu: { model: 'A100-80GB', count: 1 } },
  NC48ads_A100_v4: { memoryGiB: 440, gpu: { model: 'A100-80GB', count: 2 } },
  NC96ads_A100_v4: { memoryGiB: 880, gpu: { model: 'A100-80GB', count: 4 } },
  // NC H100 v5 (H100 NVL)
  NC40ads_H100_v5: { memoryGiB: 320, gpu: { model: 'H100', count: 1 } },
  NC80adis_H100_v5: { memoryGiB: 640, gpu: { model: 'H100', count: 2 } },
  NCC40ads_H100_v5: { memoryGiB: 320, gpu: { model: 'H100', count: 1 } },
  // NDv2 (V100 32 GB), ND A100 v4, ND H100 v5, ND H200 v5, ND MI300X v5
  ND40rs_v2: { memoryGiB: 672, gpu: { model: 'V100', count: 8 } },
  ND96asr_v4: { memoryGiB: 900, gpu: { model: 'A100', count: 8 } },
  ND96amsr_A100_v4: { memoryGiB: 1900, gpu: { model: 'A100-80GB', count: 8 } },
  ND96isr_H100_v5: { memoryGiB: 1900, gpu: { model: 'H100', count: 8 } },
  ND96isr_H200_v5: { memoryGiB: 1850, gpu: { model: 'H200', count: 8 } },
  ND96isr_MI300X_v5: { memoryGiB: 1850, gpu: { model: 'MI300X', count: 8 } },
  // NVv3 (M60)
  NV12s_v3: { memoryGiB: 112, gpu: { model: 'M60', count: 1 } },
  NV24s_v3: { memoryGiB: 224, gpu: { model: 'M60', count: 2 } },
  NV48s_v3: { memoryGiB: 448, gpu: { model: 'M60', count: 4 } },
  // NVads A10 v5: only the sizes with whole GPUs (the smaller ones are 1/6, 1/3 and 1/2 of a GPU)
  NV36ads_A10_v5: { memoryGiB: 440, gpu: { model: 'A10', count: 1 } },
  NV36adms_A10_v5: { memoryGiB: 880, gpu: { model: 'A10', count: 1 } },
  NV72ads_A10_v5: { memoryGiB: 880, gpu: { model: 'A10', count: 2 } },
};

/** Families (first letters) that carry GPUs or other accelerators: only sizes in GPU_SIZES are derived. */
const ACCELERATOR_FAMILIES = new Set(['NC', 'NCC', 'ND', 'NV', 'NG', 'NM', 'NP', 'PB']);

/** vCPUs, memory and GPUs of an Azure size (`Standard_ND96isr_H100_v5`), or why they cannot be derived. */
export function deriveAzureSize(sku: string): AzureSize {
  const parsed = parse(sku);
  if (typeof parsed === 'string') return { ok: false, reason: parsed };
  const p = parsed;
  const vcpus = p.constrained ?? p.size;
  const key = sku.slice('Standard_'.length).replace(/_Promo$/, '');

  if (ACCELERATOR_FAMILIES.has(p.family)) {
    const gpuSize = GPU_SIZES[key];
    if (gpuSize === undefined) return { ok: false, reason: `accelerator size ${p.family}-series not in the GPU size table` };
    return { ok: true, vcpus, memoryGiB: gpuSize.memoryGiB, gpu: gpuSize.gpu };
  }
  const hpc = HPC_MEMORY[`${p.family}${p.size}:${p.version}`];
  if (hpc !== undefined) return { ok: true, vcpus, memoryGiB: hpc, gpu: null };
  if (p.family === 'HB' || p.family === 'HC' || p.family === 'HX') return { ok: false, reason: `HPC size ${p.family}${p.size} v${p.version} not in the HPC table` };

  const rule = RATIO_FAMILIES[p.family];
  if (rule === undefined) return { ok: false, reason: `family ${p.family} is not in the size table (memory does not follow from the name)` };
  if (!rule.versions.includes(p.version)) return { ok: false, reason: `family ${p.family} version ${p.version === 0 ? 'v1' : `v${p.version}`} is not in the size table` };
  // Tags beyond the version (`_cc` confidential child, `_ADHType1` dedicated host …): only `cc` keeps the shape.
  if (p.tags.some((t) => t !== 'cc')) return { ok: false, reason: `size variant _${p.tags.join('_')} is not in the size table` };
  if (p.size > rule.maxSize(p)) return { ok: false, reason: `size ${p.family}${p.size} v${p.version} is above the largest the family's memory ratio holds for` };
  if (!RATIO_FEATURES.test(p.features)) return { ok: false, reason: `feature letters ${p.features} are not in the size table` };
  const exception = MEMORY_EXCEPTIONS[key];
  if (exception !== undefined) return { ok: true, vcpus, memoryGiB: exception, gpu: null };
  const ratio = rule.ratio(p);
  return { ok: true, vcpus, memoryGiB: p.size * ratio, gpu: null };
}
