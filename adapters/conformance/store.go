package conformance

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
)

// Item is one article or book of the standard routes' in-memory stores.
type Item struct {
	ID    string `json:"id"`
	Owner string `json:"owner,omitempty"`
	Title string `json:"title"`
}

// Store is a concurrency-safe in-memory store of Items for the standard
// routes (/articles and /books). IDs are decimal sequence numbers starting
// at "1", easy to type in a curl command.
type Store struct {
	mu    sync.Mutex
	last  uint64
	items map[string]Item
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{items: make(map[string]Item)} }

// Create adds an item with a fresh non-empty ID.
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

// List returns every item, ordered by ID (numerically), never nil.
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

// Update sets the title of item id.
func (s *Store) Update(id, title string) (Item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	if !ok {
		return Item{}, false
	}
	it.Title = title
	s.items[id] = it
	return it, true
}

// Delete removes item id.
func (s *Store) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.items[id]
	delete(s.items, id)
	return ok
}
