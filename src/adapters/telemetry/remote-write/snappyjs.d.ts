// snappyjs ships no types: the two functions we use (https://github.com/zhipeng-jia/snappyjs#usage).
declare module 'snappyjs' {
  /** Snappy block-format decompression; throws when the data is not valid or announces more than maxLength bytes. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
