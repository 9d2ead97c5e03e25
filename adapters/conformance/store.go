package conformance

import "github.com/axiomsgo/axioms/adapters/memstore"

// Item is one article or book of the standard routes' in-memory stores.
type Item = memstore.Item

// Store is a concurrency-safe in-memory store of Items for the standard
// routes (/articles and /books); see package memstore.
type Store = memstore.Store

// NewStore returns an empty Store.
func NewStore() *Store { return memstore.New() }
