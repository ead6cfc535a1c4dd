package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/go-playground/validator/v10"
)

// Shared is the name of the section every component reads besides its own.
const Shared = "shared"

// The files of a configuration folder.
const (
	BaseFile     = "base.yaml"
	OverrideFile = "local.override.yaml"
)

// Secrets is the shared.secrets section: which provider serves secret://
// references, chosen by an explicit switch.
type Secrets struct {
	// Provider is aws (Secrets Manager) or file (the local secrets file,
	// refused in prod).
	Provider string `yaml:"provider" validate:"oneof=aws file"`
	// Prefix goes before every secret name in Secrets Manager, such as
	// acme/dev/.
	Prefix string `yaml:"prefix"`
	// File is the local secrets file, relative to the configuration folder.
	File string `yaml:"file" validate:"required_if=Provider file"`
	// TTL is how long a resolved reference is reused before it is fetched
	// again.
	TTL time.Duration `yaml:"ttl" validate:"min=0,max=24h"`
	// WatchInterval is how often a watched reference is polled for a new
	// version.
	WatchInterval time.Duration `yaml:"watch_interval" validate:"min=1s,max=24h"`
}

// DefaultSecrets returns the shared.secrets defaults: the local file.
func DefaultSecrets() Secrets {
	return Secrets{Provider: "file", File: "secrets.local.yaml", TTL: 5 * time.Minute, WatchInterval: time.Minute}
}

// Options say where to read configuration and how to resolve references.
type Options struct {
	// FS is the configuration folder; Dir is how messages name it ("config").
	FS  fs.FS
	Dir string
	// Env is the environment ("" means local); Environments are the valid
	// ones (default: Environments()).
	Env          string
	Environments []string
	// Environ is the process environment as KEY=VALUE (os.Environ()): the
	// variable layer.
	Environ []string
	// Sections are the valid top-level keys of the files: "shared" and one
	// per component (components.Names()). A file key outside them is an
	// error, and only variables that start with one of them (SHARED__,
	// ORDERS_API__) are read.
	Sections []string
	// Secrets and Params replace the providers the shared.secrets and
	// shared.aws settings choose (tests, or a program that has its own).
	Secrets SecretProvider
	Params  ParamProvider
	// AWS replaces the SDK configuration NewAWSConfig loads from the default
	// credential chain; the shared.aws.endpoint override still applies.
	AWS *aws.Config
	// Timeout bounds each provider call (default 10s).
	Timeout time.Duration
	// Logger receives debug and watch lines; never a value.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Set is the merged configuration of one environment: every layer read,
// nothing decoded yet. Decode one section at a time into its Go type.
type Set struct {
	env   string
	opts  Options
	tree  *node
	files []string

	once     sync.Once
	resolver *Resolver
	settings Secrets

	valOnce sync.Once
	val     *validator.Validate
}

// Load reads the layers of opts.Env: base.yaml, <env>.yaml, then
// local.override.yaml in local, then the environment variables. Files other
// than base.yaml may be missing. Errors are ErrUnknownEnv or Problems.
func Load(opts Options) (*Set, error) {
	env, err := ResolveEnv(opts.Env, opts.Environments)
	if err != nil {
		return nil, err
	}
	if opts.FS == nil {
		return nil, errors.New("config: Options.FS is nil")
	}
	if opts.Dir == "" {
		opts.Dir = "config"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Set{env: env, opts: opts}
	layers := []struct {
		name     string
		layer    Layer
		required bool
	}{
		{BaseFile, LayerBase, true},
		{env + ".yaml", LayerEnv, false},
	}
	if env == Local {
		layers = append(layers, struct {
			name     string
			layer    Layer
			required bool
		}{OverrideFile, LayerOverride, false})
	}
	var probs Problems
	for _, l := range layers {
		display := path.Join(opts.Dir, l.name)
		data, err := fs.ReadFile(opts.FS, l.name)
		if errors.Is(err, fs.ErrNotExist) && !l.required {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read configuration %s: %w", display, err)
		}
		s.files = append(s.files, display)
		n, ps := parseLayer(display, l.layer, data)
		probs = append(probs, ps...)
		probs = append(probs, s.checkSections(n)...)
		s.tree = merge(s.tree, n)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	s.tree = merge(s.tree, varsLayer(opts.Environ, opts.Sections, s.tree))
	return s, nil
}

// checkSections reports top-level keys that name no section.
func (s *Set) checkSections(n *node) Problems {
	if n == nil || len(s.opts.Sections) == 0 {
		return nil
	}
	var probs Problems
	for _, k := range n.keys {
		ok := false
		for _, sec := range s.opts.Sections {
			ok = ok || sec == k
		}
		if ok {
			continue
		}
		msg := fmt.Sprintf("unknown section %q", k)
		if c := closest(k, s.opts.Sections); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		} else {
			msg += " (sections: " + strings.Join(s.opts.Sections, ", ") + ")"
		}
		probs = append(probs, &Problem{Origin: n.kids[k].origin, Key: k, Kind: ErrUnknownKey, Msg: msg})
	}
	return probs
}

// Env returns the environment.
func (s *Set) Env() string { return s.env }

// Files returns the files read, in layer order, as messages name them.
func (s *Set) Files() []string { return s.files }

// Section is one decoded section: an Entry per key, and the references that
// set keys, which Watch follows.
type Section struct {
	Name    string
	Entries []Entry
	refs    map[string]refAt
	set     *Set
}

// Decode reads section (shared, or a component) into dst, a pointer to a
// struct holding the defaults; it resolves references and checks the
// validation rules. The error, if any, is Problems; the Section is returned
// either way, for showing what was read.
func (s *Set) Decode(ctx context.Context, section string, dst any) (*Section, error) {
	return s.decode(ctx, section, dst, true)
}

// DecodeUnresolved is Decode without resolving references and without the
// validation rules, which need the resolved values: for showing the
// configuration of an environment without access to its providers. A
// reference leaves its key at the zero value; its Entry shows the reference
// (a secret shows [redacted]).
func (s *Set) DecodeUnresolved(section string, dst any) (*Section, error) {
	return s.decode(context.Background(), section, dst, false)
}

func (s *Set) decode(ctx context.Context, section string, dst any, resolve bool) (*Section, error) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("config: decode %s: want a pointer to a struct, got %T", section, dst)
	}
	var rf resolveFunc
	if resolve {
		rf = s.resolve
	}
	d := newDecoder(ctx, s.env, rf)
	d.value([]string{section}, child(s.tree, section), v.Elem())
	if resolve && !IsFileError(d.probs.err()) {
		s.valOnce.Do(func() { s.val = newValidator() })
		d.validate(s.val, section, v.Elem(), s.hint)
	}
	sec := &Section{Name: section, Entries: d.entries, refs: d.refs, set: s}
	return sec, d.probs.err()
}

// hint says where a key that no layer sets can be set.
func (s *Set) hint(p []string) string {
	return fmt.Sprintf("set it in %s or %s, or with %s", path.Join(s.opts.Dir, BaseFile), path.Join(s.opts.Dir, s.env+".yaml"), VarName(p...))
}

// resolve resolves a reference with the providers chosen for the set.
func (s *Set) resolve(ctx context.Context, ref Ref) (Versioned, error) {
	s.once.Do(s.initResolver)
	return s.resolver.Resolve(ctx, ref)
}

// initResolver chooses the providers: Options first, else the explicit
// switch on shared.secrets.provider; SSM is always AWS. AWS clients are made
// on first use, so local runs never touch AWS.
func (s *Set) initResolver() {
	settings := DefaultSecrets()
	awsSettings := AWS{}
	sharedNode := child(s.tree, Shared)
	var secretsOrigin Origin
	{
		d := newDecoder(context.Background(), s.env, nil)
		d.value([]string{Shared, "secrets"}, child(sharedNode, "secrets"), reflect.ValueOf(&settings).Elem())
		d.value([]string{Shared, "aws"}, child(sharedNode, "aws"), reflect.ValueOf(&awsSettings).Elem())
		for _, e := range d.entries {
			if e.Key == "shared.secrets.provider" {
				secretsOrigin = e.Origin
			}
		}
	}
	s.settings = settings
	clients := &awsClients{settings: awsSettings, base: s.opts.AWS}
	ro := ResolverOptions{
		Secrets: s.opts.Secrets,
		Params:  s.opts.Params,
		Files:   s.opts.FS,
		TTL:     settings.TTL,
		Timeout: s.opts.Timeout,
		Now:     s.opts.Now,
		Logger:  s.opts.Logger,
	}
	if ro.TTL == 0 {
		ro.TTL = -1 // ttl: 0 in a file means no cache
	}
	if ro.Secrets == nil {
		switch settings.Provider {
		case "aws":
			ro.Secrets = &lazySecrets{clients: clients, prefix: settings.Prefix}
		case "file":
			if s.env == Prod {
				ro.Secrets = failingSecrets{fmt.Errorf("%w: the local secrets file is not allowed in %s (shared.secrets.provider: file, %s): use provider: aws", ErrRefused, s.env, secretsOrigin)}
			} else {
				ro.Secrets = NewFileSecrets(s.opts.FS, settings.File, path.Join(s.opts.Dir, settings.File))
			}
		default:
			ro.Secrets = failingSecrets{fmt.Errorf("%w: shared.secrets.provider %q (%s): use aws or file", ErrInvalid, settings.Provider, secretsOrigin)}
		}
	}
	if ro.Params == nil {
		ro.Params = &lazyParams{clients: clients}
	}
	s.resolver = NewResolver(ro)
}

// Resolver returns the resolver of the set, for programs that resolve
// references of their own or watch them.
func (s *Set) Resolver() *Resolver {
	s.once.Do(s.initResolver)
	return s.resolver
}

// Ref returns the reference that set key, if any.
func (sec *Section) Ref(key string) (Ref, bool) {
	r, ok := sec.refs[key]
	return r.ref, ok
}

// Entry returns the entry of key.
func (sec *Section) Entry(key string) (Entry, bool) {
	for _, e := range sec.Entries {
		if e.Key == key {
			return e, true
		}
	}
	return Entry{}, false
}

// Watch follows the reference behind key (such as
// shared.database.password) and sends each new version of its value, polled
// every shared.secrets.watch_interval, until ctx ends: a rotated password
// reaches a running program. It is an error for a key no reference sets.
func (sec *Section) Watch(ctx context.Context, key string) (<-chan Versioned, error) {
	r, ok := sec.refs[key]
	if !ok {
		return nil, fmt.Errorf("watch %s: no reference sets this key", key)
	}
	res := sec.set.Resolver()
	return res.Watch(ctx, r.ref, r.version, sec.set.settings.WatchInterval), nil
}

// awsClients makes the AWS SDK configuration once, on first use.
type awsClients struct {
	settings AWS
	base     *aws.Config
	once     sync.Once
	cfg      aws.Config
	err      error
}

func (c *awsClients) config(ctx context.Context) (aws.Config, error) {
	c.once.Do(func() {
		if c.base != nil {
			c.cfg = c.base.Copy()
			if c.settings.Endpoint != "" {
				c.cfg.BaseEndpoint = aws.String(c.settings.Endpoint)
			}
			if c.settings.Region != "" {
				c.cfg.Region = c.settings.Region
			}
			return
		}
		c.cfg, c.err = NewAWSConfig(ctx, c.settings)
		if c.err != nil {
			c.err = fmt.Errorf("%w: %v", ErrUnavailable, c.err)
		}
	})
	return c.cfg, c.err
}

type lazySecrets struct {
	clients *awsClients
	prefix  string
	once    sync.Once
	sm      *SecretsManager
}

func (l *lazySecrets) GetSecret(ctx context.Context, name string) (Versioned, error) {
	cfg, err := l.clients.config(ctx)
	if err != nil {
		return Versioned{}, err
	}
	l.once.Do(func() { l.sm = NewSecretsManager(secretsmanager.NewFromConfig(cfg), l.prefix) })
	return l.sm.GetSecret(ctx, name)
}

type lazyParams struct {
	clients *awsClients
	once    sync.Once
	ps      *ParameterStore
}

func (l *lazyParams) GetParameter(ctx context.Context, path string) (Versioned, error) {
	cfg, err := l.clients.config(ctx)
	if err != nil {
		return Versioned{}, err
	}
	l.once.Do(func() { l.ps = NewParameterStore(ssm.NewFromConfig(cfg)) })
	return l.ps.GetParameter(ctx, path)
}

type failingSecrets struct{ err error }

func (f failingSecrets) GetSecret(context.Context, string) (Versioned, error) {
	return Versioned{}, f.err
}
