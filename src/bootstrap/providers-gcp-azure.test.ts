/**
 * The provider registry builds `gcp` and `azure` providers from a real governator.toml (issue #7): settings
 * through the config loader, secrets from a stored (encrypted) credential or from ${ENV} in the file. Nothing
 * here reaches a network: the checks below are answered before any API call (the adapters' own tests cover the
 * SDK boundary).
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Offering } from '../core/model/offering.js';
import { govRejection, registryHarness, type RegistryHarness, type StoredCredential } from '../../test/support/provider-registry.js';

let harness: RegistryHarness;
let dir: string;
beforeAll(async () => {
  harness = await registryHarness({ prefix: 'gov-providers-gcp-azure-', credentials: CREDENTIALS });
  dir = harness.dir;
});
afterAll(async () => harness.close());

const PRIVATE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SERVICE_ACCOUNT = JSON.stringify({
  type: 'service_account', project_id: 'acme-prod', private_key_id: '3f1c0b9a8e7d6c5b4a39281706f5e4d3c2b1a090', private_key: PRIVATE_KEY,
  client_email: 'governator@acme-prod.iam.gserviceaccount.com', client_id: '109876543210987654321', token_uri: 'https://oauth2.googleapis.com/token',
});
const AZURE_SECRET = 'Xk98Q~governator-test-client-secret.AbCdEf';

const offering = (o: Partial<Offering>): Offering => ({
  id: 'x', provider: 'gcp', region: 'us-central1', zone: null, instanceType: 'n2-standard-4', vcpus: 4, memoryGiB: 16, gpu: null,
  purchase: 'on-demand', term: null, pricePerHour: 0.19, available: null, source: 'bundled', asOf: null, ...o,
});

const registryFor = (toml: string, env: Record<string, string> = {}) => harness.registryFor(toml, env);
const rejection = govRejection;

const CREDENTIALS: StoredCredential[] = [
  { name: 'gcp-prod', provider: 'gcp', values: { service_account_json: SERVICE_ACCOUNT } },
  { name: 'gcp-broken', provider: 'gcp', values: { service_account_json: `{"private_key": "${PRIVATE_KEY.slice(30, 60)}"` } },
  { name: 'azure-sp', provider: 'azure', values: { tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47', client_id: '4d1b3c2a-9e8f-4a7b-b6c5-d4e3f2a1b0c9', client_secret: AZURE_SECRET } },
];

describe('provider registry: gcp', () => {
  it('builds a gcp provider from config and a stored service account key; zones come from the settings', async () => {
    const registry = await registryFor(`
[[providers]]
name = "gcp-prod"
kind = "gcp"
credentials = "gcp-prod"
[providers.gcp]
project = "acme-prod"
zones = ["us-central1-a", "us-central1-b"]
instance_template = "global/instanceTemplates/gov-web-v3"
list_scope = "owned"
operation_wait = "30s"
`);
    expect(registry.view('gcp-prod')).toMatchObject({ kind: 'gcp', source: 'config', error: null, credentials: 'gcp-prod' });
    const gcp = registry.byName('gcp-prod')!;
    expect(gcp.kind).toBe('gcp');
    // Refused before any call: the zone is not one of this provider's.
    const error = await rejection(gcp.startNode({ pool: 'web', offering: offering({ region: 'europe-west4', zone: 'europe-west4-a' }), idempotencyToken: 't' }));
    expect(error.code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    expect(error.message).toContain('us-central1-a, us-central1-b');
    expect(JSON.stringify(registry.view('gcp-prod'))).not.toContain('BEGIN PRIVATE KEY');
  });

  it('refuses a service_account_json that is not a key, without quoting it', async () => {
    const error = await rejection(registryFor(`
[[providers]]
name = "gcp-broken"
kind = "gcp"
credentials = "gcp-broken"
[providers.gcp]
project = "acme-prod"
zones = ["us-central1-a"]
`));
    expect(error.code).toBe('GOV_CONFIG_INVALID');
    expect(error.message).toMatch(/not a service account key/);
    expect(error.message).not.toContain(PRIVATE_KEY.slice(30, 60));
  });
});

describe('provider registry: azure', () => {
  it('builds an azure provider with a stored service principal and an ARM-style template file', async () => {
    const file = join(dir, 'vm-template.json');
    writeFileSync(file, JSON.stringify({ properties: { storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' } } }, tags: { env: 'prod' } }));
    const registry = await registryFor(`
[[providers]]
name = "azure-eastus"
kind = "azure"
credentials = "azure-sp"
[providers.azure]
subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
resource_group = "gov-rg"
location = "eastus"
template = "${file}"
list_scope = "owned"
`);
    expect(registry.view('azure-eastus')).toMatchObject({ kind: 'azure', error: null });
    const azure = registry.byName('azure-eastus')!;
    const error = await rejection(azure.startNode({ pool: 'web', offering: offering({ provider: 'azure', region: 'westeurope', instanceType: 'Standard_D4s_v5' }), idempotencyToken: 't' }));
    expect(error.code).toBe('GOV_PROVIDER_INVALID_REQUEST');
    expect(error.message).toContain('this provider serves eastus');
    expect(JSON.stringify(registry.view('azure-eastus'))).not.toContain(AZURE_SECRET);
  });

  it('refuses half a service principal and an unreadable template', async () => {
    const half = await rejection(registryFor(`
[[providers]]
name = "azure-half"
kind = "azure"
[providers.azure]
subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
resource_group = "gov-rg"
location = "eastus"
client_secret = "\${AZ_SECRET}"
`, { AZ_SECRET: AZURE_SECRET }));
    expect(half.code).toBe('GOV_CONFIG_INVALID');
    expect(half.message).toMatch(/tenant_id, client_id and client_secret together/);
    expect(half.message).not.toContain(AZURE_SECRET);

    const bad = join(dir, 'bad-template.json');
    writeFileSync(bad, '{"osProfile": {"adminPassword": "P@ssw0rd-do-not-print"');
    const template = await rejection(registryFor(`
[[providers]]
name = "azure-bad"
kind = "azure"
[providers.azure]
subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
resource_group = "gov-rg"
location = "eastus"
template = "${bad}"
`));
    expect(template.code).toBe('GOV_CONFIG_INVALID');
    expect(template.message).toMatch(/cannot read the VM template/);
    expect(template.message).not.toContain('P@ssw0rd-do-not-print');
  });
});
