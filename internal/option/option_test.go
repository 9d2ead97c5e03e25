package option_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/axiomsgo/axioms/internal/option"
)

type config struct{ list []string }

type opt func(*config)

func add(s string) opt { return func(c *config) { c.list = append(c.list, s) } }

func TestApply(t *testing.T) {
	assert.Equal(t, config{list: []string{"a", "b"}}, option.Apply([]opt{add("a"), nil, add("b")}))
	assert.Equal(t, config{}, option.Apply[config, opt](nil))
}
