package moto_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/acme/platform/libs/testenv/moto"
)

func TestIntegrationServerAnswersSTS(t *testing.T) {
	t.Parallel()
	srv := moto.Shared(t)
	out, err := sts.NewFromConfig(srv.AWSConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity at %s: %v", srv.Endpoint, err)
	}
	if aws.ToString(out.Account) == "" {
		t.Errorf("GetCallerIdentity: no account")
	}
}

func TestIntegrationNewStopsAtCleanup(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts moto")
	}
	t.Parallel()
	var srv *moto.Server
	t.Run("own server", func(t *testing.T) {
		srv = moto.New(t)
		if err := srv.Reset(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	if err := srv.Reset(context.Background()); err == nil {
		t.Errorf("server at %s still answers after its test ended", srv.Endpoint)
	}
}
