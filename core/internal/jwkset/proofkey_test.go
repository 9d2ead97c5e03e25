package jwkset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestThumbprintRFC9449 is threat catalog row 205: the thumbprint of the
// RFC 9449 example key (§4.2, Figure 4), recomputed here.
func TestThreat205ThumbprintRFC9449(t *testing.T) {
	k, jkt, reason := ParseProofKey([]byte(`{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}`))
	require.Empty(t, reason)
	require.NotNil(t, k)
	assert.Equal(t, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", jkt)
}

func TestParseProofKeyRefuses(t *testing.T) {
	for name, raw := range map[string]string{
		"private EC":   `{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","d":"AAAA"}`,
		"symmetric":    `{"kty":"oct","k":"c2VjcmV0"}`,
		"no y":         `{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs"}`,
		"off curve":    `{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRAA"}`,
		"unused bits":  `{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDB"}`,
		"encryption":   `{"kty":"EC","crv":"P-256","use":"enc","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}`,
		"not JSON":     `{`,
		"not object":   `[]`,
		"padded value": `{"kty":"EC","crv":"P-256","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs=","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}`,
	} {
		k, jkt, reason := ParseProofKey([]byte(raw))
		assert.Nil(t, k, name)
		assert.Empty(t, jkt, name)
		assert.NotEmpty(t, reason, name)
	}
}
