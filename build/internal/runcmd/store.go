package runcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/acme/platform/build/internal/cache"
	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/build/internal/workspace"
	"github.com/acme/platform/libs/cloud/blob"
	"github.com/acme/platform/libs/config"
)

// remoteTimeout bounds one call to the remote cache, transfer included.
const remoteTimeout = 5 * time.Minute

// RemoteWriteEnv overrides cache.remote.write of mono.yaml: CI sets it to 1.
const RemoteWriteEnv = "MONO_CACHE_REMOTE_WRITE"

// openStore returns the task cache: the local folder below dir and, when
// mono.yaml sets cache.remote, the S3 store behind it. A remote that cannot
// be set up is a warning; the run uses the local cache only.
func openStore(ctx context.Context, ws *workspace.Workspace, deps cli.Deps, dir string) (cache.Store, error) {
	local, err := cache.NewLocal(filepath.Join(dir, "entries"), ws.Settings.Cache.MaxSizeMB<<20)
	if err != nil {
		return nil, err
	}
	rs := ws.Settings.Cache.Remote
	if rs == nil {
		return local, nil
	}
	write := rs.Write
	if v := deps.Getenv(RemoteWriteEnv); v != "" {
		if write, err = strconv.ParseBool(v); err != nil {
			return nil, cli.Usagef("%s=%q: want 1 (write the remote cache) or 0 (only read it)", RemoteWriteEnv, v)
		}
	}
	name := "s3://" + rs.Bucket + "/" + rs.Prefix
	awsCfg, err := config.NewAWSConfig(ctx, config.AWS{Region: rs.Region, Endpoint: rs.Endpoint})
	var bucket *blob.Bucket
	if err == nil {
		// Entries are whole build outputs: keep the bounds on connecting
		// and on the first byte of an answer, but not libs/config's 10 s
		// per request, which would cut a large transfer; remoteTimeout
		// bounds each call instead.
		awsCfg.HTTPClient = awshttp.NewBuildableClient().
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = 3 * time.Second }).
			WithTransportOptions(func(tr *http.Transport) { tr.ResponseHeaderTimeout = 10 * time.Second })
		bucket, err = blob.NewS3(ctx, blob.NewS3Client(awsCfg), "mono-cache", rs.Bucket, rs.Prefix)
	}
	if err != nil {
		fmt.Fprintf(deps.IO.ErrOut, "mono run: warning: remote cache %s: %v; using the local cache only\n", name, err)
		return local, nil
	}
	return cache.NewTiered(local, cache.NewRemote(bucket, name), cache.TieredOptions{Write: write, Timeout: remoteTimeout}), nil
}

// cacheWarning returns the message of the cache.Warning in err, if any.
func cacheWarning(err error) (string, bool) {
	var w *cache.Warning
	if errors.As(err, &w) {
		return w.Error(), true
	}
	return "", false
}

// addWarn adds a warning to the task's line.
func (n *node) addWarn(msg string) {
	if n.warn != "" {
		msg = n.warn + "; " + msg
	}
	n.warn = msg
}
