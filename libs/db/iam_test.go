package db

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestIAMBeforeConnectSignsEveryConnection(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTESTING")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	token, err := iamTokenFunc(ctx, Config{Name: "orders", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	hook := iamBeforeConnect("orders", token)
	for i := range 2 {
		cc := &pgx.ConnConfig{}
		cc.Host, cc.Port, cc.User = "orders.cluster-x.eu-west-1.rds.amazonaws.com", 5432, "orders_app"
		if err := hook(ctx, cc); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"orders.cluster-x.eu-west-1.rds.amazonaws.com:5432?Action=connect", "DBUser=orders_app", "X-Amz-Signature=", "X-Amz-Credential=AKIDTESTING"} {
			if !strings.Contains(cc.Password, want) {
				t.Errorf("connection %d: token %q lacks %q", i, cc.Password, want)
			}
		}
	}
}
