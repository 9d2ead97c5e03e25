package conformance_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/conformance"
)

func TestStore(t *testing.T) {
	s := conformance.NewStore()
	assert.Empty(t, s.List())
	assert.NotNil(t, s.List(), "an empty list encodes as [] not null")

	a := s.Create("alice", "Hello")
	require.NotEmpty(t, a.ID)
	assert.Equal(t, conformance.Item{ID: a.ID, Owner: "alice", Title: "Hello"}, a)
	got, ok := s.Get(a.ID)
	assert.True(t, ok)
	assert.Equal(t, a, got)

	upd, ok := s.Update(a.ID, "Hello again")
	assert.True(t, ok)
	assert.Equal(t, "Hello again", upd.Title)
	got, _ = s.Get(a.ID)
	assert.Equal(t, upd, got)

	_, ok = s.Update("nope", "x")
	assert.False(t, ok)
	_, ok = s.Get("nope")
	assert.False(t, ok)
	assert.False(t, s.Delete("nope"))

	assert.True(t, s.Delete(a.ID))
	assert.False(t, s.Delete(a.ID))
	_, ok = s.Get(a.ID)
	assert.False(t, ok)
	b := s.Create("", "Dune")
	assert.NotEqual(t, a.ID, b.ID, "ids are not reused")
}

func TestStoreListIsOrderedByID(t *testing.T) {
	s := conformance.NewStore()
	var want []string
	for n := range 12 {
		want = append(want, s.Create("", fmt.Sprint(n)).ID)
	}
	var ids []string
	for _, it := range s.List() {
		ids = append(ids, it.ID)
	}
	assert.Equal(t, want, ids)
}

func TestStoreConcurrentUse(t *testing.T) {
	s := conformance.NewStore()
	var wg sync.WaitGroup
	ids := make([]string, 100)
	for n := range ids {
		wg.Go(func() {
			it := s.Create("alice", "t")
			ids[n] = it.ID
			s.Update(it.ID, "u")
			s.Get(it.ID)
			s.List()
			if n%2 == 0 {
				s.Delete(it.ID)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "id %s given twice", id)
		seen[id] = true
	}
	assert.Len(t, s.List(), 50)
}
