package params_test

import (
	"maps"
	"testing"

	"github.com/acme/platform/libs/cloud/params"
	"github.com/acme/platform/libs/cloud/params/paramstest"
)

func TestMap(t *testing.T) {
	t.Parallel()
	paramstest.RunSuite(t, func(t *testing.T, seed map[string]string) params.Store {
		return params.Map(maps.Clone(seed))
	})
}
