export {
  createGcpCatalogPriceSource, familyOfSku, gcpFamilyOf, gpuModelOfSku as gcpModelOfSkuForTest, gcpShapesFromOfferings,
  type GcpMachineShape,
} from '../../src/adapters/pricing/gcp/catalog.js';
