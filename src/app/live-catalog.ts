import { createCatalog, type Catalog } from '../core/catalog/catalog.js';
import type { Offering } from '../core/model/offering.js';

/** Read access to the catalog in force now: the bundled snapshot, with live prices once a source has answered. */
export interface CatalogView {
  current(): Catalog;
}

/**
 * The catalog a running server works from. Starts as the bundled snapshot (plus owned hardware); the price
 * refresher replaces it whenever live prices change, and readers see the new value on their next call.
 */
export class LiveCatalog implements CatalogView {
  #catalog: Catalog;

  constructor(initial: Catalog) {
    this.#catalog = initial;
  }

  current(): Catalog {
    return this.#catalog;
  }

  /** Rebuild from offerings that were checked already (bundled rows, owned hardware, the overlay's output). */
  replace(offerings: readonly Offering[]): void {
    this.#catalog = createCatalog([...offerings], { checked: true }).catalog;
  }
}
