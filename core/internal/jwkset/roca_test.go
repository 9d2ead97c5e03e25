package jwkset

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rocaPrints are the subgroup bit masks published with the roca-detect tool
// (crocs-muni/roca, detect.py "prints"), one per prime of rocaPrimes.
var rocaPrints = []string{
	"6", "30", "126", "1026", "5658", "107286", "199410", "8388606",
	"536870910", "2147483646", "67109890", "2199023255550",
	"8796093022206", "140737488355326", "5310023542746834",
	"576460752303423486", "1455791217086302986",
	"147573952589676412926", "20052041432995567486",
	"6041388139249378920330", "207530445072488465666",
	"9671406556917033397649406", "618970019642690137449562110",
	"79228162521181866724264247298", "2535301200456458802993406410750",
	"1760368345969468176824550810518", "50079290986288516948354744811034",
	"473022961816146413042658758988474", "10384593717069655257060992658440190",
	"144390480366845522447407333004847678774",
	"2722258935367507707706996859454145691646",
	"174224571863520493293247799005065324265470",
	"696898287454081973172991196020261297061886",
	"713623846352979940529142984724747568191373310",
	"1800793591454480341970779146165214289059119882",
	"126304807362733370595828809000324029340048915994",
	"11692013098647223345629478661730264157247460343806",
	"187072209578355573530071658587684226515959365500926",
}

// TestROCASubgroupsMatchPublishedPrints checks the subgroups computed at
// init against the published detector's constants.
func TestROCASubgroupsMatchPublishedPrints(t *testing.T) {
	require.Len(t, rocaPrints, len(rocaPrimes))
	for i, p := range rocaPrimes {
		want, ok := new(big.Int).SetString(rocaPrints[i], 10)
		require.True(t, ok)
		got := new(big.Int)
		for r := range p {
			if rocaSubgroups[i].has(r) {
				got.SetBit(got, int(r), 1)
			}
		}
		assert.Zero(t, want.Cmp(got), "prime %d", p)
	}
}

// TestROCAFingerprint checks the detector on built and random moduli.
func TestROCAFingerprint(t *testing.T) {
	f := keys(t)
	tests := []struct {
		name string
		n    *big.Int
		want bool
	}{
		{"built fingerprint", rocaModulus(t), true},
		{"generated RSA-2048", f.rsa.N, false},
		{"generated RSA-2048 (2)", f.rsa2.N, false},
		{"random odd 4096", oddNumber(t, 4096), false},
		{"fingerprint plus one", new(big.Int).Add(rocaModulus(t), big.NewInt(2)), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, hasROCAFingerprint(tc.n))
		})
	}
}

func TestModSmall(t *testing.T) {
	n := oddNumber(t, 3000)
	for _, p := range rocaPrimes {
		want := new(big.Int).Mod(n, big.NewInt(int64(p))).Uint64()
		assert.Equal(t, uint32(want), modSmall(n.Bytes(), p))
	}
}
