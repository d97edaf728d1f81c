import type { FastifyInstance } from 'fastify';
import type { CatalogView } from '../../app/live-catalog.js';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Catalog } from '../../core/catalog/catalog.js';
import { GPU_MODELS } from '../../core/catalog/gpu.js';
import { OFFERING_SORTS, parseOfferingQuery, queryOfferings, vocabularyOf, type FieldNames } from '../../core/catalog/query.js';
import { PURCHASE_OPTIONS, type Offering } from '../../core/model/offering.js';
import { withErrors } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const OfferingSchema = Type.Object({
  id: Type.String(),
  provider: Type.String(),
  region: Type.String(),
  zone: Nullable(Type.String()),
  instanceType: Type.String(),
  vcpus: Type.Number(),
  memoryGiB: Type.Number(),
  gpu: Type.Union([Type.Object({ model: Type.String(), count: Type.Integer() }), Type.Null()]),
  purchase: Type.Union(PURCHASE_OPTIONS.map((p) => Type.Literal(p))),
  term: Type.Union([Type.Literal('1y'), Type.Literal('3y'), Type.Null()]),
  pricePerHour: Type.Number({ description: 'USD per node-hour.' }),
  pricePerGpuHour: Type.Union([Type.Number(), Type.Null()], { description: 'USD per GPU-hour; null for CPU-only offerings.' }),
  pricePerVcpuHour: Type.Number({ description: 'USD per vCPU-hour.' }),
  available: Type.Union([Type.Integer(), Type.Null()], { description: 'Units that can still be started; null = unbounded.' }),
  source: Type.String(),
  asOf: Nullable(Type.String()),
});

const text = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 256, description }));

/** Query parameter → how errors name it (Fastify names its own validation errors `querystring.<name>`). */
const FIELD_NAMES: FieldNames = {
  provider: 'querystring.provider', region: 'querystring.region', gpu: 'querystring.gpu', minGpus: 'querystring.minGpus',
  minVcpus: 'querystring.minVcpus', minMemory: 'querystring.minMemory', purchase: 'querystring.purchase',
  maxPrice: 'querystring.maxPrice', sort: 'querystring.sort',
};

function offeringToJson(o: Offering) {
  return {
    ...o,
    gpu: o.gpu === null ? null : { model: o.gpu.model, count: o.gpu.count },
    pricePerGpuHour: o.gpu === null ? null : o.pricePerHour / o.gpu.count,
    pricePerVcpuHour: o.pricePerHour / o.vcpus,
  };
}

/** The price catalog, read-only: offerings filtered, sorted and paginated (issue #3). */
export function catalogRoutes(app: FastifyInstance, deps: { catalog: CatalogView }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  // The vocabulary (known providers, regions, GPU models) is worked out once per catalog value: live prices
  // replace the catalog now and then, not per request.
  let vocabularyFor: { catalog: Catalog; vocabulary: ReturnType<typeof vocabularyOf> } | null = null;
  const vocabulary = (catalog: Catalog) => {
    if (vocabularyFor?.catalog !== catalog) vocabularyFor = { catalog, vocabulary: vocabularyOf(catalog) };
    return vocabularyFor.vocabulary;
  };

  api.get('/api/v1/catalog/offerings', {
    config: { access: 'cost:read' },
    schema: {
      summary: 'Offerings in the price catalog',
      description: 'The bundled price snapshot plus owned hardware, filtered and sorted (default: cheapest first). '
        + 'Page with `cursor` (the `nextCursor` of the previous page). List filters take comma-separated values.',
      tags: ['catalog'],
      querystring: Type.Object({
        provider: text('Providers, comma-separated (aws, azure, gcp, digitalocean, baremetal …).'),
        region: text('Regions, comma-separated.'),
        gpu: text(`GPU model (${GPU_MODELS.join(', ')}; aliases such as nvidia-h100-80gb are accepted), or none for CPU-only.`),
        minGpus: text('At least this many GPUs per node.'),
        minVcpus: text('At least this many vCPUs per node.'),
        minMemory: text('At least this much memory per node, GiB.'),
        purchase: text(`Purchase options, comma-separated: ${PURCHASE_OPTIONS.join(', ')}.`),
        maxPrice: text('At most this price per node-hour, USD.'),
        sort: text(`One of ${OFFERING_SORTS.join(', ')} (all ascending; default price).`),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'The previous page\'s nextCursor.' })),
      }, { additionalProperties: false }),
      response: withErrors({
        200: Type.Object({
          offerings: Type.Array(OfferingSchema),
          total: Type.Integer({ description: 'Offerings matching the filters in all.' }),
          nextCursor: Type.Union([Type.String(), Type.Null()]),
        }),
      }),
    },
  }, async (request) => {
    const q = request.query;
    const catalog = deps.catalog.current();
    const { filter, sort } = parseOfferingQuery(q, vocabulary(catalog), FIELD_NAMES);
    const page = queryOfferings(catalog, filter, { sort, offset: q.cursor === undefined ? 0 : Number(q.cursor), limit: q.limit });
    return {
      offerings: page.offerings.map(offeringToJson),
      total: page.total,
      nextCursor: page.nextOffset === null ? null : String(page.nextOffset),
    };
  });
}
