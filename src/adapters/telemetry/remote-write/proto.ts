/**
 * The remote_write 1.0 protobuf schema as .proto text, parsed at load by protobufjs (kept in a .ts module so
 * the build needs no copy step for dist/).
 */
export const REMOTE_WRITE_PROTO = `
// Prometheus remote_write 1.0 (https://prometheus.io/docs/concepts/remote_write_spec/), written from the
// published specification: the WriteRequest a Prometheus server POSTs, snappy block-compressed. Only the
// fields the 1.0 spec requires are declared; unknown fields (metadata = 3, exemplars, histograms) are skipped
// by the decoder, as protobuf requires.
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated TimeSeries timeseries = 1;
}

message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
}

message Label {
  string name = 1;
  string value = 2;
}

message Sample {
  double value = 1;
  int64 timestamp = 2;
}
`;
