package strictjson

// slab holds the elements (or the members) of all the arrays (objects) of
// one value being built, in a slice of exactly their number, counted
// beforehand. Those of the containers still open are stacked at its front in
// document order; when a container closes, its own, the top of the stack,
// move to the back, just before those of the containers closed earlier, and
// stay there. Every element is either stacked or placed, so the two parts
// never overlap, and once the value is built every slot holds a placed
// element: there is no spare capacity and nothing is ever regrown.
type slab[T any] struct {
	buf      []T
	top, end int // buf[:top] is the stack, buf[end:] the placed elements
}

// newSlab returns a slab of n elements in room when its capacity suffices,
// else in a new slice.
func newSlab[T any](room []T, n int) slab[T] {
	if n == 0 {
		return slab[T]{}
	}
	if cap(room) < n {
		room = make([]T, n)
	}
	return slab[T]{buf: room[:n:n], end: n}
}

// push stacks one element and returns it for filling in, or nil when the
// slab is full (more elements than were counted).
func (s *slab[T]) push() *T {
	if s.top == s.end {
		return nil
	}
	s.top++
	return &s.buf[s.top-1]
}

// stacked returns the elements stacked since mark (the value of top when
// the container they belong to opened).
func (s *slab[T]) stacked(mark int) []T { return s.buf[mark:s.top] }

// place moves the elements stacked since mark to the placed part and
// returns them there. When the stack reaches the placed part they are
// already where they go, and copy moves nothing.
func (s *slab[T]) place(mark int) []T {
	n := s.top - mark
	s.end -= n
	copy(s.buf[s.end:], s.buf[mark:s.top])
	s.top = mark
	return s.buf[s.end : s.end+n : s.end+n]
}
