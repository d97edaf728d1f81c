/**
 * What the telemetry receivers and the scraper need from the outside (issue #5): decoding Prometheus'
 * remote_write wire format (src/adapters/telemetry/remote-write) and fetching exposition text from scrape
 * targets (src/adapters/telemetry/scrape-client.ts).
 */

/**
 * Where a series' labels lie, as raw bytes, in the message they came in: identical bytes mean identical
 * labels, so a receiver can recognise a series it has seen before without decoding (and allocating) a single
 * label string. `wireBytes.subarray(wireStart, wireEnd)` is that series' label section; the bytes are the
 * request's and must not be kept beyond it (copy what is kept).
 */
export interface WireLabels {
  readonly wireBytes: Uint8Array;
  readonly wireStart: number;
  readonly wireEnd: number;
}

/**
 * One series of a decoded request: name/value label pairs (with `__name__`) and parallel sample columns.
 * `labels` may be decoded on first read (it never throws: the decoder checked the bytes' structure); the wire
 * fields are present when the labels were one contiguous run of bytes.
 */
export interface DecodedSeries extends Partial<WireLabels> {
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** Unix ms. */
  readonly ts: readonly number[];
  readonly values: readonly number[];
}

export interface DecodedWriteRequest {
  readonly series: DecodedSeries[];
  /**
   * Prometheus staleness markers found (and left out of `series`). They are recognised here, on the wire bytes:
   * V8 may canonicalise a NaN's payload once it is stored in a JS array, so the marker cannot be told from an
   * ordinary NaN later.
   */
  readonly staleMarkers: number;
}

export interface RemoteWriteCodec {
  /**
   * Decode a snappy-compressed remote_write 1.0 WriteRequest. Throws GovError: GOV_VALIDATION with
   * `details.reason` `bad_snappy` or `bad_protobuf`; GOV_PAYLOAD_TOO_LARGE (`too_large`) when it would
   * decompress to more than the configured limit. Never anything else for any input bytes.
   */
  decode(body: Uint8Array): DecodedWriteRequest;
}

export interface ScrapeResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface ScrapeClient {
  /**
   * GET `url` with `Accept: text/plain;version=0.0.4`. Rejects (with a message fit for the target's health
   * status) on network errors, on a timeout after `timeoutMs`, and when the body exceeds `maxBytes`; any HTTP
   * status resolves.
   */
  get(url: string, options: { readonly timeoutMs: number; readonly maxBytes: number; readonly headers?: Readonly<Record<string, string>> }): Promise<ScrapeResponse>;
}
