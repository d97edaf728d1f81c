/**
 * Loads the augurs WebAssembly modules (issue #6) and exposes them as the plain functions of
 * {@link ForecastEngine}. The package is built for the wasm-pack "web" target: in Node each module must be
 * initialised synchronously with its .wasm bytes (`initSync({ module })`), which is file I/O — so it happens
 * here, once per process, and src/core/forecast only ever sees initialised functions.
 *
 * Every augurs object owns WebAssembly memory that JavaScript's GC does not see; each function below frees the
 * objects it creates before returning, so a long-running service does not leak.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as EtsModule from '@bsull/augurs/ets';
import type * as MstlModule from '@bsull/augurs/mstl';
import type * as SeasonsModule from '@bsull/augurs/seasons';
import type * as OutlierModule from '@bsull/augurs/outlier';
import type * as ChangepointModule from '@bsull/augurs/changepoint';
import type * as ProphetModule from '@bsull/augurs/prophet';
import { GovError } from '../../core/errors.js';
import type { ForecastEngine } from '../../core/forecast/types.js';

interface Loaded {
  readonly ets: typeof EtsModule;
  readonly mstl: typeof MstlModule;
  readonly seasons: typeof SeasonsModule;
  readonly outlier: typeof OutlierModule;
  readonly changepoint: typeof ChangepointModule;
  readonly prophet?: typeof ProphetModule;
  readonly optimizer?: unknown;
}

let loading: Promise<Loaded> | undefined;

async function loadModule<T extends { initSync: (m: { module: Uint8Array }) => unknown }>(name: string): Promise<T> {
  const specifier = `@bsull/augurs/${name}`;
  const mod = (await import(specifier)) as T;
  const jsPath = fileURLToPath(import.meta.resolve(specifier));
  mod.initSync({ module: readFileSync(join(dirname(jsPath), `${name}_bg.wasm`)) });
  return mod;
}

async function load(withProphet: boolean): Promise<Loaded> {
  try {
    const [ets, mstl, seasons, outlier, changepoint] = await Promise.all([
      loadModule<typeof EtsModule>('ets'), loadModule<typeof MstlModule>('mstl'), loadModule<typeof SeasonsModule>('seasons'),
      loadModule<typeof OutlierModule>('outlier'), loadModule<typeof ChangepointModule>('changepoint'),
    ]);
    if (!withProphet) return { ets, mstl, seasons, outlier, changepoint };
    const prophet = await loadModule<typeof ProphetModule>('prophet');
    const { optimizer } = (await import('@bsull/augurs-prophet-wasmstan')) as { optimizer: unknown };
    return { ets, mstl, seasons, outlier, changepoint, prophet, optimizer };
  } catch (error) {
    throw new GovError('GOV_INTERNAL', `cannot load the augurs forecasting modules: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Frees a WebAssembly-backed object whatever happens in `use`. */
function using<T extends { free(): void }, R>(value: T, use: (v: T) => R): R {
  try { return use(value); } finally { value.free(); }
}

export interface AugursEngineOptions {
  /** Also load Prophet and its Stan optimiser (a few MB more; seconds per fit). Default true. */
  readonly prophet?: boolean;
}

/**
 * The augurs-backed engine: seasonalities, ETS, MSTL, Prophet, outliers and changepoints. Loads the modules on
 * first call (cached per process); rejects with GOV_INTERNAL when the package cannot be loaded.
 */
export async function loadAugursEngine(options: AugursEngineOptions = {}): Promise<ForecastEngine> {
  const withProphet = options.prophet ?? true;
  loading ??= load(true);
  const m = await loading;
  const engine: ForecastEngine = {
    seasonalities: (y, o) => Array.from(m.seasons.seasonalities(Float64Array.from(y), o)),
    ets: (y, horizon) => using(new m.ets.AutoETS(1, 'ZZN'), (model) => {
      model.fit(Float64Array.from(y));
      return model.predict(horizon).point;
    }),
    mstl: (y, periods, horizon) => using(m.mstl.MSTL.ets(Uint32Array.from(periods)), (model) => {
      model.fit(Float64Array.from(y));
      return model.predict(horizon).point;
    }),
    outliers: (group, o) => using(
      o.algorithm === 'mad' ? m.outlier.OutlierDetector.mad({ sensitivity: o.sensitivity }) : m.outlier.OutlierDetector.dbscan({ sensitivity: o.sensitivity }),
      (detector) => {
        const out = detector.detect(group.map((s) => Float64Array.from(s)));
        return out.seriesResults.map((r, i) => r.outlierIntervals.map((iv) => ({ start: iv.start, end: iv.end ?? (group[i] as readonly number[]).length })));
      },
    ),
    changepoints: (y, o) => using(m.changepoint.ChangepointDetector.normalGamma({ hazardLambda: o.hazardLambda }), (detector) => detector.detectChangepoints(Float64Array.from(y)).indices.filter((i) => i > 0)),
  };
  const { prophet, optimizer } = m;
  if (withProphet && prophet && optimizer) {
    return {
      ...engine,
      prophet: (ds, y, futureDs) => using(
        new prophet.Prophet({ optimizer: optimizer as ProphetModule.ProphetOptions['optimizer'], uncertaintySamples: 0 }),
        (model) => {
          model.fit({ ds: [...ds], y: Float64Array.from(y) });
          return model.predict({ ds: [...futureDs] }).yhat.point;
        },
      ),
    };
  }
  return engine;
}
