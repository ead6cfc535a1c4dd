package orderstest_test

import (
	"testing"

	"github.com/acme/platform/libs/business/orders"
	"github.com/acme/platform/libs/business/orders/orderstest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	orderstest.RunStoreSuite(t, func(*testing.T) orders.Store { return orderstest.NewMemory() })
}
