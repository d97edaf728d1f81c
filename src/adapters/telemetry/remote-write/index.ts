export { createRemoteWriteCodec, encodeWriteRequest, encodeWriteRequestProto, isWellFormedSnappy } from './codec.js';
