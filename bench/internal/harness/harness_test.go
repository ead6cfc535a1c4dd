package harness

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		parse   func([]byte) ([]string, error)
		in      string
		want    []string
		wantErr bool
	}{
		{"mono", ParseMono, `{"base":"HEAD^1","affected":[{"name":"p2","kind":"node-app"},{"name":"p1"}],"unowned":[]}`, []string{"p1", "p2"}, false},
		{"mono empty", ParseMono, `{"affected":[]}`, []string{}, false},
		{"mono no array", ParseMono, `{"changed":[]}`, nil, true},
		{"turbo packages not tasks", ParseTurboDryRun, `{"packages":["b","a"],"tasks":[{"package":"c"}]}`, []string{"a", "b"}, false},
		{"turbo banner first", ParseTurboDryRun, "warning\n{\"packages\":[\"a\"]}", []string{"a"}, false},
		{"turbo no packages", ParseTurboDryRun, `{"tasks":[]}`, nil, true},
		{"turbo ls", ParseTurboLs, `{"packageManager":"npm","packages":{"count":2,"items":[{"name":"b","path":"packages/b"},{"name":"a","path":"packages/a"}]}}`, []string{"a", "b"}, false},
		{"turbo ls no packages", ParseTurboLs, `{"packageManager":"npm"}`, nil, true},
		{"nx", ParseNx, `["p3","p1","p1"]`, []string{"p1", "p3"}, false},
		{"nx not json", ParseNx, `oops`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.parse([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMonoRunCached(t *testing.T) {
	t.Parallel()
	n, err := MonoRunCached([]byte(`{"target":"build","ok":true,"counts":{"cached":500},"tasks":[]}`))
	if err != nil || n != 500 {
		t.Errorf("MonoRunCached = %d, %v; want 500", n, err)
	}
	if _, err := MonoRunCached([]byte("500 tasks: 500 cached")); err == nil {
		t.Error("text output parsed as JSON")
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		want, got              []string
		wantMissing, wantExtra []string
	}{
		{"equal", []string{"a", "b"}, []string{"a", "b"}, nil, nil},
		{"missing", []string{"a", "b", "c"}, []string{"b"}, []string{"a", "c"}, nil},
		{"extra", []string{"b"}, []string{"a", "b", "d"}, nil, []string{"a", "d"}},
		{"both", []string{"a", "c"}, []string{"b", "c", "e"}, []string{"a"}, []string{"b", "e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, e := Diff(tc.want, tc.got)
			if !slices.Equal(m, tc.wantMissing) || !slices.Equal(e, tc.wantExtra) {
				t.Errorf("Diff = %v, %v; want %v, %v", m, e, tc.wantMissing, tc.wantExtra)
			}
		})
	}
}

func TestMedianAndCompare(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	series := func(tool string, walls ...time.Duration) *Series {
		s := &Series{Command: Command{Tool: tool}}
		for _, w := range walls {
			s.Samples = append(s.Samples, Sample{Wall: w, CPU: w / 2})
		}
		return s
	}
	mono := series("mono", 30*ms, 10*ms, 20*ms)
	if got := mono.MedianWall(); got != 20*ms {
		t.Errorf("odd median = %v, want 20ms", got)
	}
	if got := series("x", 10*ms, 40*ms).MedianWall(); got != 25*ms {
		t.Errorf("even median = %v, want 25ms", got)
	}
	r := Compare(mono, []*Series{series("nx", 900*ms), series("turbo", 50*ms, 40*ms, 60*ms)})
	if r.Peer != "turbo" || r.Wall != 0.4 {
		t.Errorf("Compare = %+v, want 0.4x vs turbo", r)
	}
	if _, _, res := r.Verdict(0.5); res != "PASS" {
		t.Errorf("0.4x against 0.5x: %s, want PASS", res)
	}
	if _, _, res := r.Verdict(0.3); res != "FAIL" {
		t.Errorf("0.4x against 0.3x: %s, want FAIL", res)
	}
	if got := r.Strict(1.0); got != "0.40x vs turbo: PASS" {
		t.Errorf("Strict(1.0) = %q, want 0.40x vs turbo: PASS", got)
	}
	per := series("mono", 2000*ms, 1000*ms, 3000*ms).PerThousand(20000)
	if got := per.MedianWall(); got != 100*ms {
		t.Errorf("PerThousand(20000) median wall = %v, want 100ms", got)
	}
	if got := per.MedianCPU(); got != 50*ms {
		t.Errorf("PerThousand(20000) median cpu = %v, want 50ms", got)
	}
}

func TestRunMeasures(t *testing.T) {
	t.Parallel()
	r := &Runner{}
	s, out, err := r.Run(context.Background(), Command{Tool: "sh", Path: "/bin/sh", Args: []string{"-c", "echo hi; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Stdout) != "hi\n" || s.Wall <= 0 || s.CPU <= 0 {
		t.Errorf("Run = %+v, %q; want output hi and positive times", s, out.Stdout)
	}
	if _, _, err := r.Run(context.Background(), Command{Tool: "false", Path: "/bin/false"}); err == nil {
		t.Error("a failing command gave no error")
	}
}
