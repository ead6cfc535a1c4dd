package telemetry_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/platform/libs/telemetry"

	"github.com/acme/platform/libs/testenv"
)

func TestBufferedWriter(t *testing.T) {
	t.Parallel()
	var out testenv.SyncBuffer
	w := telemetry.NewBufferedWriter(&out, 1<<10, 20*time.Millisecond)
	log, err := telemetry.NewLogger(w, "test", telemetry.LogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				log.Info("line", "writer", i, "n", j)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(out.String(), "\n") < 400 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(out.String(), "\n"); n != 400 {
		t.Errorf("%d lines flushed by the interval, want 400", n)
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("a line was torn: %q", l)
		}
	}
	log.Info("last")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"msg":"last"`) {
		t.Error("Close did not flush the last line")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
