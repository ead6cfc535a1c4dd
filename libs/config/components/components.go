// Package components holds the typed configuration of every component: the
// shared section and one section per program, with their defaults and
// validation rules. Programs load their section through Load; mono imports
// the same types to validate every component and to generate the JSON Schema
// of the configuration files.
package components

import (
	"context"
	"fmt"
	"time"

	"github.com/acme/platform/libs/config"
)

// Names of the sections of a configuration file.
const (
	SharedName      = config.Shared
	OrdersAPIName   = "orders-api"
	PricingName     = "pricing"
	SalesRollupName = "sales-rollup"
	ConsoleName     = "console"
	SalesDashName   = "sales-dash"
)

// File is the shape of one configuration file (base.yaml, <env>.yaml): the
// shared section and one section per component. Every key is optional in a
// file; the merged result is validated.
type File struct {
	// Shared is what every program reads.
	Shared Shared `yaml:"shared"`
	// OrdersAPI configures services/orders-api.
	OrdersAPI OrdersAPI `yaml:"orders-api"`
	// Pricing configures services/pricing.
	Pricing Pricing `yaml:"pricing"`
	// SalesRollup configures scripts/sales-rollup.
	SalesRollup SalesRollup `yaml:"sales-rollup"`
	// Console configures web/console's server.
	Console Console `yaml:"console"`
	// SalesDash configures dash/sales.
	SalesDash SalesDash `yaml:"sales-dash"`
}

// Section names a section and makes its defaults.
type Section struct {
	Name string
	// New returns a pointer to the section's struct holding its defaults.
	New func() any
}

// Sections returns every section, shared first.
func Sections() []Section {
	return []Section{
		{SharedName, func() any { v := DefaultShared(); return &v }},
		{OrdersAPIName, func() any { v := DefaultOrdersAPI(); return &v }},
		{PricingName, func() any { v := DefaultPricing(); return &v }},
		{SalesRollupName, func() any { v := DefaultSalesRollup(); return &v }},
		{ConsoleName, func() any { v := DefaultConsole(); return &v }},
		{SalesDashName, func() any { v := DefaultSalesDash(); return &v }},
	}
}

// Names returns the section names, shared first: the valid top-level keys of
// a configuration file.
func Names() []string {
	var out []string
	for _, s := range Sections() {
		out = append(out, s.Name)
	}
	return out
}

// Shared is the shared section.
type Shared struct {
	// Log configures the structured logs of every program.
	Log Log `yaml:"log"`
	// Database is the connection pool of the orders database.
	Database Database `yaml:"database"`
	// Blobs maps the logical blob store names programs use to where the
	// blobs live.
	Blobs map[string]BlobStore `yaml:"blobs" validate:"dive"`
	// AWS says where the AWS APIs are.
	AWS config.AWS `yaml:"aws"`
	// Secrets chooses the provider of secret:// references.
	Secrets config.Secrets `yaml:"secrets"`
	// Telemetry configures traces and metrics.
	Telemetry Telemetry `yaml:"telemetry"`
}

// Log configures log/slog.
type Log struct {
	// Level is the lowest level written.
	Level string `yaml:"level" validate:"oneof=debug info warn error"`
	// Format is json (machines) or text (people).
	Format string `yaml:"format" validate:"oneof=json text"`
}

// Database configures a connection pool. It is the one vocabulary of the
// database settings: its keys, DefaultShared's defaults and these validate
// tags are all there is; libs/db/dbconf maps it onto a libs/db Config.
type Database struct {
	// Driver is sqlite (local) or postgres (RDS).
	Driver string `yaml:"driver" validate:"oneof=sqlite postgres"`
	// DSN is the whole data source name: a file path or file: URI for
	// sqlite; for postgres it replaces host, port, name, user and password.
	DSN config.Secret `yaml:"dsn" validate:"required_if=Driver sqlite"`
	// Host of the PostgreSQL server.
	Host string `yaml:"host" validate:"required_if=Driver postgres"`
	// Port of the PostgreSQL server.
	Port int `yaml:"port" validate:"min=1,max=65535"`
	// Name of the database.
	Name string `yaml:"name" validate:"required_if=Driver postgres"`
	// User to connect as.
	User string `yaml:"user" validate:"required_if=Driver postgres"`
	// Password of User; empty with IAM authentication.
	Password config.Secret `yaml:"password"`
	// IAMAuth signs in with an RDS IAM token instead of Password.
	IAMAuth bool `yaml:"iam_auth"`
	// SSLMode is the PostgreSQL sslmode: require by default; verify-full
	// (with the RDS CA) in the cloud environments; disable or prefer only
	// for a PostgreSQL on the own machine. SQLite ignores it.
	SSLMode string `yaml:"ssl_mode" validate:"oneof=disable prefer require verify-ca verify-full"`
	// MaxConns bounds the pool.
	MaxConns int `yaml:"max_conns" validate:"min=1,max=500"`
	// MinConns are kept open.
	MinConns int `yaml:"min_conns" validate:"min=0,ltefield=MaxConns"`
	// ConnMaxLifetime recycles connections (and picks up a rotated password).
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime" validate:"min=1m,max=24h"`
	// ConnectTimeout bounds opening one connection.
	ConnectTimeout time.Duration `yaml:"connect_timeout" validate:"min=100ms,max=1m"`
	// QueryTimeout bounds one statement.
	QueryTimeout time.Duration `yaml:"query_timeout" validate:"min=100ms,max=1h"`
}

// BlobStore is where the blobs of one logical store live.
type BlobStore struct {
	// Type is local (a folder), s3 or memory (tests).
	Type string `yaml:"type" validate:"oneof=local s3 memory"`
	// Dir is the folder of a local store, relative to the repository root.
	Dir string `yaml:"dir" validate:"required_if=Type local"`
	// Bucket is the S3 bucket of an s3 store, usually ssm://.
	Bucket string `yaml:"bucket" validate:"required_if=Type s3"`
	// Prefix goes before every object key.
	Prefix string `yaml:"prefix"`
}

// Telemetry configures OpenTelemetry.
type Telemetry struct {
	// OTLPEndpoint receives traces (OTLP over HTTP); empty disables export.
	OTLPEndpoint string `yaml:"otlp_endpoint" validate:"omitempty,url"`
	// SampleRatio is the fraction of traces kept.
	SampleRatio float64 `yaml:"sample_ratio" validate:"min=0,max=1"`
}

// HTTPServer configures an HTTP listener.
type HTTPServer struct {
	// Listen is the address to listen on.
	Listen string `yaml:"listen" validate:"required,hostname_port"`
	// ReadTimeout bounds reading a request.
	ReadTimeout time.Duration `yaml:"read_timeout" validate:"min=1s,max=5m"`
	// WriteTimeout bounds writing a response.
	WriteTimeout time.Duration `yaml:"write_timeout" validate:"min=1s,max=5m"`
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" validate:"min=1s,max=5m"`
	// AdminListen is the address of the pprof admin listener; empty turns
	// it off. Keep it on loopback (kubectl port-forward reaches it).
	AdminListen string `yaml:"admin_listen" validate:"omitempty,hostname_port"`
}

// JWT configures the signing of access tokens.
type JWT struct {
	// SigningKey signs tokens (HS256); at least 32 bytes.
	SigningKey config.Secret `yaml:"signing_key" validate:"required,min=32"`
	// Issuer is the iss claim.
	Issuer string `yaml:"issuer" validate:"required"`
	// TTL is how long a token lives.
	TTL time.Duration `yaml:"ttl" validate:"min=1m,max=24h"`
}

// OrdersAPI is the orders-api section.
type OrdersAPI struct {
	// HTTP is the REST listener.
	HTTP HTTPServer `yaml:"http"`
	// PricingURL is the base URL of the pricing service.
	PricingURL string `yaml:"pricing_url" validate:"required,url"`
	// JWT signs and checks access tokens.
	JWT JWT `yaml:"jwt"`
	// PricingTimeout bounds one call to pricing.
	PricingTimeout time.Duration `yaml:"pricing_timeout" validate:"min=10ms,max=1m"`
}

// Pricing is the pricing section.
type Pricing struct {
	// HTTP is the Connect (gRPC) listener.
	HTTP HTTPServer `yaml:"http"`
}

// SalesRollup is the sales-rollup section.
type SalesRollup struct {
	// ExportStore is the logical blob store (a key of shared.blobs) the
	// daily export goes to.
	ExportStore string `yaml:"export_store" validate:"required"`
	// ExportPrefix goes before the export's object key.
	ExportPrefix string `yaml:"export_prefix"`
	// Timezone decides where a day starts.
	Timezone string `yaml:"timezone" validate:"required,timezone"`
	// LookbackDays are recomputed on each run, for late orders.
	LookbackDays int `yaml:"lookback_days" validate:"min=1,max=366"`
}

// Console is the console section: the Go server of the web app.
type Console struct {
	// HTTP is the listener serving the app.
	HTTP HTTPServer `yaml:"http"`
	// OrdersAPIURL is where the app's API calls go.
	OrdersAPIURL string `yaml:"orders_api_url" validate:"required,url"`
	// APIProxy forwards /api/* to OrdersAPIURL (local; in the cluster the
	// ingress routes /api to orders-api).
	APIProxy bool `yaml:"api_proxy"`
}

// SalesDash is the sales-dash section: the Dash app.
type SalesDash struct {
	// Listen is the address of the Dash server.
	Listen string `yaml:"listen" validate:"required,hostname_port"`
	// OrdersAPIURL is where the reporting endpoints are.
	OrdersAPIURL string `yaml:"orders_api_url" validate:"required,url"`
	// RefreshInterval is how often the charts reload.
	RefreshInterval time.Duration `yaml:"refresh_interval" validate:"min=5s,max=1h"`
	// JWT signs the short-lived viewer tokens the app calls the reporting
	// endpoints with: orders-api's key and issuer.
	JWT JWT `yaml:"jwt"`
}

// DefaultShared returns the shared defaults: what local needs with no file.
func DefaultShared() Shared {
	return Shared{
		Log: Log{Level: "info", Format: "json"},
		Database: Database{
			Driver: "sqlite", Port: 5432, SSLMode: "require",
			MaxConns: 10, MinConns: 0,
			ConnMaxLifetime: 30 * time.Minute, ConnectTimeout: 5 * time.Second, QueryTimeout: 30 * time.Second,
		},
		Blobs:     map[string]BlobStore{},
		AWS:       config.AWS{Region: "eu-central-1"},
		Secrets:   config.DefaultSecrets(),
		Telemetry: Telemetry{SampleRatio: 0.1},
	}
}

func defaultHTTP(listen string) HTTPServer {
	return HTTPServer{Listen: listen, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, ShutdownTimeout: 20 * time.Second}
}

func withAdmin(h HTTPServer, admin string) HTTPServer {
	h.AdminListen = admin
	return h
}

// DefaultOrdersAPI returns the orders-api defaults.
func DefaultOrdersAPI() OrdersAPI {
	return OrdersAPI{
		HTTP:           withAdmin(defaultHTTP(":8080"), "127.0.0.1:9080"),
		JWT:            JWT{Issuer: "acme-orders", TTL: time.Hour},
		PricingTimeout: 2 * time.Second,
	}
}

// DefaultPricing returns the pricing defaults.
func DefaultPricing() Pricing {
	return Pricing{HTTP: withAdmin(defaultHTTP(":8081"), "127.0.0.1:9081")}
}

// DefaultSalesRollup returns the sales-rollup defaults.
func DefaultSalesRollup() SalesRollup {
	return SalesRollup{ExportStore: "exports", ExportPrefix: "daily-sales/", Timezone: "UTC", LookbackDays: 3}
}

// DefaultConsole returns the console defaults.
func DefaultConsole() Console { return Console{HTTP: defaultHTTP(":8082")} }

// DefaultSalesDash returns the sales-dash defaults.
func DefaultSalesDash() SalesDash {
	return SalesDash{Listen: ":8050", RefreshInterval: time.Minute, JWT: JWT{Issuer: "acme-orders", TTL: 5 * time.Minute}}
}

// Defaults returns a File holding every default.
func Defaults() File {
	return File{
		Shared: DefaultShared(), OrdersAPI: DefaultOrdersAPI(), Pricing: DefaultPricing(),
		SalesRollup: DefaultSalesRollup(), Console: DefaultConsole(), SalesDash: DefaultSalesDash(),
	}
}

// Program is what a program loads: the shared section and its own, with the
// decoded Sections for provenance and Watch.
type Program[T any] struct {
	Shared        Shared
	Own           T
	SharedSection *config.Section
	OwnSection    *config.Section
	Set           *config.Set
}

// Load reads, resolves and validates the shared section and the section name
// into a Program, starting from own's defaults. An empty name reads only the
// shared section (a program without a section of its own). opts.Sections
// defaults to Names().
func Load[T any](ctx context.Context, opts config.Options, name string, own T) (*Program[T], error) {
	if opts.Sections == nil {
		opts.Sections = Names()
	}
	set, err := config.Load(opts)
	if err != nil {
		return nil, err
	}
	p := &Program[T]{Shared: DefaultShared(), Own: own, Set: set}
	if p.SharedSection, err = set.Decode(ctx, SharedName, &p.Shared); err != nil {
		return nil, fmt.Errorf("load config %s: %w", set.Env(), err)
	}
	if name == "" {
		return p, nil
	}
	if p.OwnSection, err = set.Decode(ctx, name, &p.Own); err != nil {
		return nil, fmt.Errorf("load config %s: %w", set.Env(), err)
	}
	return p, nil
}
