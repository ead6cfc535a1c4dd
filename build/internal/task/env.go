package task

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// BaseEnv is what every task process gets from mono's environment without
// declaring it: what programs need to work at all (find themselves, a home,
// a temporary folder, a terminal, a locale, where Go and Python keep their
// caches, how to reach the network). Its values are not part of any key:
// none of them changes what a build produces, only where it looks or how it
// talks. A task that depends on one (a locale-sensitive sort, say) declares
// it in env, and then its value is hashed like any other declared variable.
// Entries ending in * are prefixes.
var BaseEnv = []string{
	"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TERM",
	"LANG", "LANGUAGE", "LC_*",
	"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
	"GOPATH", "GOCACHE", "GOMODCACHE",
	"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE",
	"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CACHE_DIR", "npm_config_cache",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
}

// matchEnv reports whether name is one of patterns (exact names, or
// prefixes ending in *).
func matchEnv(patterns []string, name string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if p == name {
			return true
		}
	}
	return false
}

// TaskEnviron returns the variables of environ (KEY=VALUE, the last one of
// a name wins) that a task declaring env may see: the base set and the
// declared ones. Order is environ's.
func TaskEnviron(environ, env []string) []string {
	last := make(map[string]int, len(environ))
	for i, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = i
	}
	var out []string
	for i, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if last[k] == i && (matchEnv(BaseEnv, k) || matchEnv(env, k)) {
			out = append(out, kv)
		}
	}
	return out
}

// envDigests maps each declared variable to a digest of its value ("" when
// unset or empty), for the key. A prefix declaration (AWS_*) adds every
// variable set with that prefix, and itself with "" so that declaring it
// changes the key even when nothing matches.
func envDigests(environ, env []string) map[string]string {
	if len(env) == 0 {
		return nil
	}
	vals := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		vals[k] = v
	}
	digest := func(v string) string {
		if v == "" {
			return ""
		}
		sum := sha256.Sum256([]byte(v))
		return hex.EncodeToString(sum[:8])
	}
	out := make(map[string]string, len(env))
	for _, e := range env {
		prefix, glob := strings.CutSuffix(e, "*")
		if !glob {
			out[e] = digest(vals[e])
			continue
		}
		out[e] = ""
		names := make([]string, 0)
		for k := range vals {
			if strings.HasPrefix(k, prefix) {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			out[k] = digest(vals[k])
		}
	}
	return out
}
