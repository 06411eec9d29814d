// Package testenv finds what tests need outside the repository: the shared
// folder beside the project (../shared), which holds the mail corpora and
// the OASIS STIX schemas. Tests read it in place and never copy it.
package testenv

import (
	"os"
	"path/filepath"
)

// Shared returns the path of elem inside the shared folder: the one named
// by $PORTCULLIS_SHARED, else ../shared beside the repository (tests run
// two directories below its root), else /work/shared. When none exists it
// returns the relative path, and the caller's os.Stat reports it missing.
func Shared(elem ...string) string {
	var roots []string
	if d := os.Getenv("PORTCULLIS_SHARED"); d != "" {
		roots = append(roots, d)
	}
	roots = append(roots, filepath.Join("..", "..", "..", "shared"), "/work/shared")
	for _, r := range roots {
		p := filepath.Join(append([]string{r}, elem...)...)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(append([]string{roots[0]}, elem...)...)
}
