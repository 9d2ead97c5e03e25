// Package option applies the functional options of the adapters alike.
package option

// Apply returns a zero C with every non-nil option of opts applied, in
// order: a nil option is ignored, in every adapter.
func Apply[C any, O ~func(*C)](opts []O) C {
	var c C
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}
