/**
 * Builds a provider registry the way `serve` does — a real governator.toml through the config loader, stored
 * (encrypted) credentials, the bootstrap's provider factories — for the per-kind registry tests. No network.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/adapters/clock/fake.js';
import { ManualScheduler } from '../../src/adapters/clock/manual-scheduler.js';
import { IN_MEMORY, openPgliteStore } from '../../src/adapters/storage/pglite/index.js';
import { generateMasterKey } from '../../src/app/credentials/cipher.js';
import { CredentialService } from '../../src/app/credentials/service.js';
import { ProviderRegistry } from '../../src/app/providers/registry.js';
import { providerFactories, providerSpecsFromConfig } from '../../src/bootstrap/providers.js';
import { loadConfig } from '../../src/config/load.js';
import { isGovError, type GovError } from '../../src/core/errors.js';
import type { Offering } from '../../src/core/model/offering.js';
import type { Store } from '../../src/ports/store.js';

/** A credential stored before the registry loads. */
export interface StoredCredential {
  readonly name: string;
  readonly provider: string;
  readonly values: Readonly<Record<string, string>>;
}

export interface RegistryHarness {
  /** A temp folder for files the config points at (templates, kubeconfigs); removed by close(). */
  readonly dir: string;
  /** A registry loaded from `toml` (written to a temp governator.toml) with `env` as the environment. */
  registryFor(toml: string, env?: Record<string, string>): Promise<ProviderRegistry>;
  close(): Promise<void>;
}

/** One in-memory store and temp folder per test file; each registryFor stores `credentials` under a fresh master key. */
export async function registryHarness(options: { prefix: string; credentials: readonly StoredCredential[]; offerings?: readonly Offering[] }): Promise<RegistryHarness> {
  const store: Store = await openPgliteStore({ dataDir: IN_MEMORY });
  await store.migrate();
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  let n = 0;
  return {
    dir,
    async registryFor(toml, env = {}) {
      const path = join(dir, `governator-${++n}.toml`);
      writeFileSync(path, toml);
      const { config } = loadConfig({ env, cwd: dir, flags: { config: path } });
      const clock = new FakeClock();
      const credentials = new CredentialService({ repository: store.credentials.secrets, clock, key: generateMasterKey() });
      for (const c of options.credentials) await credentials.put({ ...c, values: { ...c.values }, createdBy: 'test' });
      const registry = new ProviderRegistry({
        factories: providerFactories({ clock, offerings: () => options.offerings ?? [], dataDir: dir }),
        credentials, clock, scheduler: new ManualScheduler(clock),
      });
      await registry.load(providerSpecsFromConfig(config));
      return registry;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The GovError `p` rejects with (anything else fails the test). */
export async function govRejection(p: Promise<unknown>): Promise<GovError> {
  try {
    await p;
  } catch (error) {
    if (isGovError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
