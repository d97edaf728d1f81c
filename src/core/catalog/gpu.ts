/**
 * GPU (and other accelerator) model names, normalised. Every source spells them its own way ("NVIDIA H100",
 * "h100-80gb", "nvidia-tesla-a100", "H100 80GB HBM3"); the catalog, capacity models (`byGpuModel`) and
 * filters use one spelling, listed in {@link GPU_MODELS}. Unknown names normalise to null so a loader can
 * report the row instead of inventing a model.
 */

/** The normalised names, newest first within each vendor. */
export const GPU_MODELS = [
  // NVIDIA data-centre
  'GB200', 'B300', 'B200', 'H200', 'H100', 'A100-80GB', 'A100', 'L40S', 'L40', 'L4', 'A10G', 'A10', 'T4', 'T4G',
  'V100', 'P100', 'P4', 'K80', 'M60', 'K520',
  // NVIDIA workstation-class parts sold in clouds
  'RTX-PRO-6000', 'RTX-PRO-4500',
  // AMD
  'MI300X', 'MI250X', 'MI25', 'V520', 'V620', 'V710',
  // Other accelerators
  'Gaudi', 'Gaudi2', 'Gaudi3', 'Inferentia', 'Inferentia2', 'Trainium', 'Trainium2', 'AI100',
] as const;
export type GpuModel = (typeof GPU_MODELS)[number];

const KNOWN: ReadonlySet<string> = new Set(GPU_MODELS);

/** Words that say who made the part, not which part it is. */
const VENDOR_WORDS = /\b(nvidia|amd|tesla|intel|habana|aws|instinct|radeon pro|radeon|qualcomm|grid|tensor core|accelerators?|gpu)\b/g;

/**
 * Compact spelling (lowercase, vendor words and punctuation removed) → model. Memory and packaging suffixes
 * that do not change the model (`80gb`, `hbm3`, `sxm`, `pcie`, `mega`, `nvl`) are stripped before the lookup.
 */
const ALIASES: Readonly<Record<string, GpuModel>> = {
  gb200: 'GB200', b300: 'B300', b200: 'B200', h200: 'H200', h100: 'H100',
  a10080gb: 'A100-80GB', a100: 'A100', l40s: 'L40S', l40: 'L40', l4: 'L4', a10g: 'A10G', a10: 'A10',
  t4: 'T4', t4g: 'T4G', v100: 'V100', p100: 'P100', p4: 'P4', k80: 'K80', m60: 'M60', k520: 'K520',
  rtxpro6000: 'RTX-PRO-6000', rtxproserver6000: 'RTX-PRO-6000', rtxpro6000bse: 'RTX-PRO-6000', rtxpro6000blackwell: 'RTX-PRO-6000',
  rtxpro4500: 'RTX-PRO-4500', rtxpro4500blackwell: 'RTX-PRO-4500',
  mi300x: 'MI300X', mi250x: 'MI250X', mi25: 'MI25', v520: 'V520', v620: 'V620', v710: 'V710',
  gaudi: 'Gaudi', gaudihl205: 'Gaudi', hl205: 'Gaudi', gaudi2: 'Gaudi2', gaudi3: 'Gaudi3',
  inferentia: 'Inferentia', inferentia1: 'Inferentia', inferentia2: 'Inferentia2',
  trainium: 'Trainium', trainium1: 'Trainium', trainium2: 'Trainium2',
  ai100: 'AI100', cloudai100: 'AI100',
};

/** Trailing words that name memory or packaging, not a different model: `80gb`, `hbm3`, `sxm5`, `pcie`, `nvl`, `mega`. */
const PACKAGING_WORD = /^([0-9]+gb?|hbm[0-9]*e?|sxm[0-9]?|pcie|nvl|mega)$/;

/** Hints a source may give beside the name. */
export interface GpuNameHints {
  /** Memory of ONE GPU in GiB, when the source says: an "A100" with 80 GiB is an A100-80GB. */
  readonly memoryGiB?: number;
}

function lookup(compact: string): GpuModel | undefined {
  return Object.prototype.hasOwnProperty.call(ALIASES, compact) ? ALIASES[compact] : undefined;
}

/**
 * The normalised model for a source's GPU name, or null when it is not a GPU model this table knows.
 * Examples: "NVIDIA H100 80GB HBM3" → H100; "nvidia-h100-80gb" → H100; "A100 80GB" → A100-80GB;
 * "nvidia-tesla-a100" → A100; "NVIDIA A100" with `memoryGiB: 80` → A100-80GB; "Radeon" → null.
 */
export function normalizeGpuModel(raw: string, hints: GpuNameHints = {}): GpuModel | null {
  if (typeof raw !== 'string') return null;
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  if (KNOWN.has(trimmed)) return upgradeA100(trimmed as GpuModel, hints);
  const words = trimmed.toLowerCase().replace(/[_-]+/g, ' ').replace(VENDOR_WORDS, ' ');
  const compact = words.replace(/[^a-z0-9]/g, '');
  if (compact === '') return null;
  // "A100 80GB" names a distinct model: look the whole name up before packaging words are dropped.
  const exact = lookup(compact);
  if (exact !== undefined) return upgradeA100(exact, hints);
  const tokens = words.split(/[^a-z0-9]+/).filter((t) => t !== '');
  while (tokens.length > 1 && PACKAGING_WORD.test(tokens[tokens.length - 1] as string)) {
    tokens.pop();
    const found = lookup(tokens.join(''));
    if (found !== undefined) return upgradeA100(found, hints, words);
  }
  return null;
}

/** An A100 whose memory (stated, or in its name) is 80 GB is the A100-80GB part. */
function upgradeA100(model: GpuModel, hints: GpuNameHints, words = ''): GpuModel {
  if (model !== 'A100') return model;
  if (/\b80 ?gb?\b/.test(words)) return 'A100-80GB';
  return hints.memoryGiB !== undefined && hints.memoryGiB >= 79 ? 'A100-80GB' : 'A100';
}

/** True when `model` is one of the normalised names. */
export function isGpuModel(model: string): model is GpuModel {
  return KNOWN.has(model);
}
