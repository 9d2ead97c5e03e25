// Package memstore is the in-memory store of the articles and books of the
// example API (package exampleapi), shared by the conformance suite's
// servers and the example servers, with the decoding of their request
// bodies. It is demonstration code, not a database.
package memstore

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"
)

// Item is one article or book. Books have no owner.
type Item struct {
	ID    string `json:"id"`
	Owner string `json:"owner,omitempty"`
	Title string `json:"title"`
}

// Store holds Items in memory. It is safe for concurrent use. IDs are
// decimal sequence numbers starting at "1", easy to type in a curl command.
//
// Store never keeps an id string it is given (it keys its map with IDs it
// made itself), so Fiber handlers may pass c.Params("id"), whose memory
// fasthttp reuses after the handler returns, without copying it.
type Store struct {
	mu    sync.Mutex
	last  uint64
	items map[string]Item
}

// New returns an empty Store.
func New() *Store { return &Store{items: make(map[string]Item)} }

// Create adds an item with a fresh ID and returns it.
func (s *Store) Create(owner, title string) Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last++
	it := Item{ID: strconv.FormatUint(s.last, 10), Owner: owner, Title: title}
	s.items[it.ID] = it
	return it
}

// Get returns the item id.
func (s *Store) Get(id string) (Item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	return it, ok
}

// List returns every item ordered by ID, never nil (it encodes as []).
func (s *Store) List() []Item {
	s.mu.Lock()
	out := make([]Item, 0, len(s.items))
	for _, it := range s.items {
		out = append(out, it)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Item) int {
		return cmp.Or(cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Update sets the title of item id and returns the item; false when id is
// unknown.
func (s *Store) Update(id, title string) (Item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return Item{}, false
	}
	it.Title = title
	s.items[it.ID] = it // it.ID, not id: the key stays the Store's own string
	return it, true
}

// Delete removes item id; false when id is unknown.
func (s *Store) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.items[id]
	delete(s.items, id)
	return ok
}

// MaxBody is the largest request body DecodeTitle reads.
const MaxBody = 1 << 20

// ErrBadBody is returned by DecodeTitle for a body that is not a JSON object
// with a string "title"; the servers answer it with 400 invalid_request.
var ErrBadBody = errors.New("body is not a JSON object with a string \"title\"")

// DecodeTitle reads a POST, PUT or PATCH body, {"title": "..."}, whatever
// its Content-Type (curl -d sends a form type). Other members are ignored;
// the title may be empty but must be a string.
func DecodeTitle(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil || len(data) > MaxBody {
		return "", ErrBadBody
	}
	var body struct {
		Title *string `json:"title"`
	}
	if json.Unmarshal(data, &body) != nil || body.Title == nil {
		return "", ErrBadBody
	}
	return *body.Title, nil
}
