// Package pin holds the version of the Wycheproof vectors the tests use
// (see package wycheproof). It is a module of its own, never published.
package pin

import _ "github.com/c2sp/wycheproof"
