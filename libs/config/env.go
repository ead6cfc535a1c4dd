package config

import (
	"fmt"
	"slices"
	"strings"
)

// Names of the environments every project has.
const (
	Local = "local" // a developer's machine: SQLite, local folders, the local secrets file
	CI    = "ci"    // the test control plane of make test (mono deploy --env ci)
	Prod  = "prod"  // production: refuses the local secrets file
)

// Environments returns the default environment names, in promotion order.
func Environments() []string { return []string{Local, CI, "dev", "staging", Prod} }

// ResolveEnv returns the environment named by env (the value of ENV or of a
// --env flag): empty means local, and an unknown name is an error listing the
// valid ones.
func ResolveEnv(env string, valid []string) (string, error) {
	if len(valid) == 0 {
		valid = Environments()
	}
	if env == "" {
		env = Local
	}
	if !slices.Contains(valid, env) {
		return "", fmt.Errorf("%w %q: valid environments are %s", ErrUnknownEnv, env, strings.Join(valid, ", "))
	}
	return env, nil
}
