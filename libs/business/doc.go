// Package business is the company's domain logic: orders, pricing and
// reporting. It has no HTTP, no SQL driver and no cloud SDK: each package
// declares the small storage interfaces it needs, and libs/db and libs/cloud
// implement them.
package business
