package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"

	"github.com/joho/godotenv"
)

// LoadDotEnv reads the file ENV_FILE names (default .env in the working
// directory), as the settings.py of the Python axioms examples does, into
// the environment: KEY=value lines, # comments, quoted values, export
// prefixes (github.com/joho/godotenv). A variable already set in the
// environment wins over the file. A missing default .env is no error; a
// missing ENV_FILE, or a file that does not parse, is.
func LoadDotEnv() error {
	path, named := os.LookupEnv("ENV_FILE")
	if !named || path == "" {
		path = ".env"
	}
	if err := godotenv.Load(path); err != nil {
		if !named && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("reading %s: %w", path, err)
	}
	log.Printf("read settings from %s (variables already set keep their value)", path)
	return nil
}
