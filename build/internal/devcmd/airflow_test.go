package devcmd

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
)

func TestWithOptional(t *testing.T) {
	t.Parallel()
	all := []Program{{Name: "pricing"}, {Name: "orders-api"}, {Name: AirflowName, Optional: true}}
	tests := []struct {
		name       string
		with, only []string
		want       []string
		err        string
	}{
		{"default leaves airflow out", nil, nil, []string{"pricing", "orders-api"}, ""},
		{"--with airflow", []string{"airflow"}, nil, []string{"pricing", "orders-api", "airflow"}, ""},
		{"--only airflow", nil, []string{"airflow"}, []string{"pricing", "orders-api", "airflow"}, ""},
		{"--with a program that is not optional", []string{"pricing"}, nil, nil, "--with pricing: no such optional program (optional: airflow)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := withOptional(all, tt.with, tt.only)
			if tt.err != "" {
				if err == nil || cli.CodeOf(err) != cli.ExitUsage || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want usage error %q", err, tt.err)
				}
				return
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("programs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAirflowProgram(t *testing.T) {
	t.Parallel()
	p := airflowProgram()
	if !p.Optional || p.Health == "" || p.Build == nil || p.Command == nil || p.Pkg != "" {
		t.Errorf("airflow program = %+v", p)
	}
	var found bool
	for _, q := range Programs() {
		found = found || q.Name == AirflowName && q.Optional
	}
	if !found {
		t.Error("Programs() lacks the optional airflow program")
	}
	jobs, err := localJobs("../../..")
	if err != nil || !strings.Contains(strings.Join(jobs, ","), "sales-rollup") {
		t.Errorf("localJobs = %v, %v", jobs, err)
	}
}
