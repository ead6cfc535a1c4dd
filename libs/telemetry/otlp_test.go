package telemetry_test

import (
	"testing"

	"github.com/acme/platform/libs/telemetry"
)

func TestOTLP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		want     telemetry.TraceConfig
	}{
		{"", telemetry.TraceConfig{Exporter: "none"}},
		{"not a url", telemetry.TraceConfig{Exporter: "none"}},
		{"http://otel-collector.observability:4318", telemetry.TraceConfig{Exporter: "otlp", Endpoint: "otel-collector.observability:4318", Insecure: true, SampleRatio: 0.5}},
		{"https://collector.example:4318", telemetry.TraceConfig{Exporter: "otlp", Endpoint: "collector.example:4318", SampleRatio: 0.5}},
	}
	for _, tt := range tests {
		if got := telemetry.OTLP(tt.endpoint, 0.5); got != tt.want {
			t.Errorf("OTLP(%q) = %+v, want %+v", tt.endpoint, got, tt.want)
		}
	}
}
