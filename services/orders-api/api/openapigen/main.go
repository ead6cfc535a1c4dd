// Command openapigen writes the OpenAPI document of orders-api, generated
// from the code, to the file named by its argument. `go generate
// ./services/orders-api/...` runs it to refresh the committed
// services/orders-api/openapi.json; the contract test fails when the two
// differ.
package main

import (
	"fmt"
	"os"

	"github.com/acme/platform/services/orders-api/api"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: openapigen FILE")
	}
	doc, err := api.OpenAPI()
	if err != nil {
		return err
	}
	return os.WriteFile(args[0], doc, 0o644)
}
