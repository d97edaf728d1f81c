import { describe, expect, it } from 'vitest';
import { deriveAzureSize } from './azure-sizes.js';

describe('deriveAzureSize', () => {
  it.each([
    ['Standard_D2s_v3', 2, 8, null],
    ['Standard_D96ads_v5', 96, 384, null],
    ['Standard_D16pls_v5', 16, 32, null],
    ['Standard_D48ps_v5', 48, 192, null],
    ['Standard_D2as_v5_Promo', 2, 8, null],
    ['Standard_E16-4ads_v5', 4, 128, null],
    ['Standard_E20s_v5', 20, 160, null],
    ['Standard_E32-8s_v3', 8, 256, null],
    ['Standard_F16s_v2', 16, 32, null],
    ['Standard_F8', 8, 16, null],
    ['Standard_F8als_v6', 8, 16, null],
    ['Standard_F8as_v6', 8, 32, null],
    ['Standard_F8ams_v6', 8, 64, null],
    ['Standard_L16s_v3', 16, 128, null],
    ['Standard_DC4as_cc_v5', 4, 16, null],
    ['Standard_DC8s_v3', 8, 64, null],
    ['Standard_EC32as_v5', 32, 192, null],
    ['Standard_EC16as_v5', 16, 128, null],
    ['Standard_A4m_v2', 4, 32, null],
    ['Standard_B2ts_v2', 2, 1, null],
    ['Standard_B4als_v2', 4, 8, null],
    ['Standard_H16mr', 16, 224, null],
    ['Standard_HB120-32rs_v2', 32, 456, null],
    ['Standard_HX176rs', 176, 1408, null],
    ['Standard_ND96isr_H100_v5', 96, 1900, { model: 'H100', count: 8 }],
    ['Standard_ND96isr_H200_v5', 96, 1850, { model: 'H200', count: 8 }],
    ['Standard_ND96isr_MI300X_v5', 96, 1850, { model: 'MI300X', count: 8 }],
    ['Standard_NC40ads_H100_v5', 40, 320, { model: 'H100', count: 1 }],
    ['Standard_NC24ads_A100_v4', 24, 220, { model: 'A100-80GB', count: 1 }],
    ['Standard_ND96asr_v4', 96, 900, { model: 'A100', count: 8 }],
    ['Standard_NC4as_T4_v3', 4, 28, { model: 'T4', count: 1 }],
    ['Standard_NV36ads_A10_v5', 36, 440, { model: 'A10', count: 1 }],
  ] as const)('%s → %d vCPUs, %d GiB, %j', (sku, vcpus, memoryGiB, gpu) => {
    expect(deriveAzureSize(sku)).toEqual({ ok: true, vcpus, memoryGiB, gpu });
  });

  it.each([
    ['Basic_A1', /not a VM size name/],
    ['DCadsv5 Type 1', /not a VM size name/],
    ['Standard_M128ms', /family M is not in the size table/],
    ['Standard_D11_v2', /family D version v2/],
    ['Standard_A4', /family A version v1/],
    ['Standard_B2ms', /family B version v1/],
    ['Standard_D4s_v7', /family D version v7/],
    ['Standard_E64s_v3', /above the largest/],
    ['Standard_E96ads_v5', /above the largest/],
    ['Standard_D64ps_v5', /above the largest/],
    ['Standard_E104i_v5', /above the largest/],
    ['Standard_L96is_v3', /feature letters is/],
    ['Standard_E16ds_v4_ADHType1', /size variant _ADHType1/],
    ['Standard_NV12ads_A10_v5', /GPU size table/],
    ['Standard_NC8ads_A10_v4', /GPU size table/],
    ['Standard_ND128isr_NDR_GB200_v6', /GPU size table/],
    ['Standard_HB120rs_v3', /HPC size HB120 v3/],
    ['Standard_M416ds-104_6_v3', /naming convention/],
  ])('refuses %s with a reason', (sku, reason) => {
    const size = deriveAzureSize(sku);
    expect(size.ok).toBe(false);
    if (!size.ok) expect(size.reason).toMatch(reason);
  });
});
