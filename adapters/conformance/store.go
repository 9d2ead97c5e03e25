package conformance

import "github.com/axiomsgo/axioms/adapters/memstore"

// Item is one article or book of the example API (package memstore).
type Item = memstore.Item
