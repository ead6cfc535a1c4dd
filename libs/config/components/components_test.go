package components_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/libs/config"
	"github.com/acme/platform/libs/config/components"
)

// TestSectionsMatchFile keeps the registry and the File struct (which the
// JSON Schema is made from) in step.
func TestSectionsMatchFile(t *testing.T) {
	t.Parallel()
	ft := reflect.TypeFor[components.File]()
	var fileNames []string
	types := map[string]reflect.Type{}
	for i := range ft.NumField() {
		f := ft.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		fileNames = append(fileNames, name)
		types[name] = f.Type
	}
	if diff := cmp.Diff(fileNames, components.Names()); diff != "" {
		t.Errorf("File fields and Sections differ (-File +Sections):\n%s", diff)
	}
	defaults := reflect.ValueOf(components.Defaults())
	for i, s := range components.Sections() {
		v := reflect.ValueOf(s.New()).Elem()
		if v.Type() != types[s.Name] {
			t.Errorf("section %s makes %s, File holds %s", s.Name, v.Type(), types[s.Name])
			continue
		}
		if !cmp.Equal(v.Interface(), defaults.Field(i).Interface()) {
			t.Errorf("section %s: New and Defaults disagree", s.Name)
		}
	}
}

// TestLoadProgram loads what a program reads: shared and its own section.
func TestLoadProgram(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"base.yaml":          {Data: []byte("orders-api:\n  pricing_url: http://pricing:8081\n  jwt:\n    signing_key: secret://orders-api#jwt_signing_key\n")},
		"local.yaml":         {Data: []byte("shared:\n  database:\n    dsn: file:orders.db\n")},
		"secrets.local.yaml": {Data: []byte("orders-api:\n  jwt_signing_key: 0123456789abcdef0123456789abcdef\n")},
	}
	p, err := components.Load(context.Background(), config.Options{FS: fsys, Environ: []string{"ORDERS_API__HTTP__LISTEN=:9000"}}, components.OrdersAPIName, components.DefaultOrdersAPI())
	if err != nil {
		t.Fatal(err)
	}
	if p.Own.HTTP.Listen != ":9000" || p.Own.JWT.SigningKey.Reveal() != "0123456789abcdef0123456789abcdef" || p.Shared.Database.Driver != "sqlite" {
		t.Errorf("loaded %+v", p.Own)
	}
	if e, _ := p.OwnSection.Entry("orders-api.http.listen"); e.Origin.Var != "ORDERS_API__HTTP__LISTEN" {
		t.Errorf("origin of listen = %v", e.Origin)
	}
}
