package memstore_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axiomsgo/axioms/adapters/memstore"
)

func TestStore(t *testing.T) {
	s := memstore.New()
	assert.NotNil(t, s.List(), "an empty list encodes as []")

	a := s.Create("alice", "Hello")
	assert.Equal(t, memstore.Item{ID: "1", Owner: "alice", Title: "Hello"}, a)
	got, ok := s.Get("1")
	assert.True(t, ok)
	assert.Equal(t, a, got)

	id := []byte("1") // a buffer the caller reuses, like fasthttp's
	upd, ok := s.Update(string(id), "Hello again")
	require.True(t, ok)
	id[0] = '9'
	got, ok = s.Get("1")
	assert.True(t, ok, "the store keeps its own key")
	assert.Equal(t, upd, got)

	_, ok = s.Update("404", "x")
	assert.False(t, ok)
	assert.True(t, s.Delete("1"))
	assert.False(t, s.Delete("1"))
	_, ok = s.Get("1")
	assert.False(t, ok)
}

func TestStoreListOrder(t *testing.T) {
	s := memstore.New()
	for n := range 12 {
		s.Create("", fmt.Sprint(n))
	}
	var ids []string
	for _, it := range s.List() {
		ids = append(ids, it.ID)
	}
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}, ids)
}

func TestStoreConcurrent(t *testing.T) {
	s := memstore.New()
	var wg sync.WaitGroup
	for n := range 50 {
		wg.Go(func() {
			it := s.Create("owner", fmt.Sprint(n))
			_, _ = s.Update(it.ID, "changed")
			_ = s.List()
			if n%2 == 0 {
				s.Delete(it.ID)
			}
		})
	}
	wg.Wait()
	assert.Len(t, s.List(), 25)
}

func TestDecodeTitle(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
		wantErr    error
	}{
		{"title", `{"title":"Dune"}`, "Dune", nil},
		{"other members ignored", `{"title":"Dune","year":1965}`, "Dune", nil},
		{"empty title", `{"title":""}`, "", nil},
		{"no title", `{"name":"Dune"}`, "", memstore.ErrBadBody},
		{"null title", `{"title":null}`, "", memstore.ErrBadBody},
		{"number title", `{"title":5}`, "", memstore.ErrBadBody},
		{"null", `null`, "", memstore.ErrBadBody},
		{"array", `[]`, "", memstore.ErrBadBody},
		{"truncated", `{"title":`, "", memstore.ErrBadBody},
		{"trailing data", `{"title":"a"} {}`, "", memstore.ErrBadBody},
		{"empty", ``, "", memstore.ErrBadBody},
		{"too large", `{"title":"` + strings.Repeat("a", memstore.MaxBody) + `"}`, "", memstore.ErrBadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := memstore.DecodeTitle(strings.NewReader(tt.body))
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.want, got)
		})
	}
}
