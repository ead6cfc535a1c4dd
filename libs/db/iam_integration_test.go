package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/acme/platform/libs/db"
	"github.com/acme/platform/libs/db/dbtest"
)

// TestIntegrationIAMAuthSignsTokenPerConnection: with IAMAuth the pool signs
// an RDS token (default credential chain, here static test credentials) as
// the password of each new connection. The test server does not know IAM,
// so the login fails, which shows the token, not a configured password, was
// sent; the error carries neither.
func TestIntegrationIAMAuthSignsTokenPerConnection(t *testing.T) {
	srv := dbtest.Postgres(t)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTESTING", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_PROFILE": "",
	} {
		t.Setenv(k, v)
	}
	cfg := srv.Config("postgres")
	cfg.Password = ""
	cfg.IAMAuth, cfg.Region, cfg.SSLMode = true, "eu-west-1", "prefer"
	cfg.ConnectAttempts = 1
	_, err := db.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("Open succeeded: the server accepted an IAM token it cannot know")
	}
	if !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("error %q: want the server to refuse the signed token", err)
	}
	for _, leak := range []string{"X-Amz-Signature", "testing-secret", dbtest.Password} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error shows %q: %v", leak, err)
		}
	}
}
