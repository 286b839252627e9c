package main

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeConfigTable keeps the README's configuration table in step with
// the options.
func TestReadmeConfigTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	writeConfigTable(&table)
	if !strings.Contains(string(readme), table.String()) {
		t.Fatalf("README.md does not hold the configuration table; paste the output of `go run ./cmd/veille config`:\n%s", table.String())
	}
}
