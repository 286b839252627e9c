package analysis

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// memoTexts have line breaks where the scanner's state matters: inside a
// number, after an elision or a hyphen, in a Windows line end, and lines of
// every length around memoMinLine, some repeated at other offsets.
var memoTexts = []string{
	"Mistral lève 600 millions d'euros\nLa start-up parisienne double sa valorisation, à 5,6 milliards.",
	"Les 100\n000 salariés du secteur",
	"jusqu'\nà demain, l'\nIA générative",
	"GPT-\n4 et Llama-\n3 sont comparés.\r\nPuis vient la suite",
	"court\nun peu plus long\nnettement plus long que seize\n\n\nfin",
	"Mistral lève 600 millions d'euros\nMistral lève 600 millions d'euros\nLa start-up parisienne double sa valorisation, à 5,6 milliards.",
	"OpenAI's model\n doesn't — L’Élysée répond…\nQui a fondé Mistral ?",
	"\n\nligne après deux sauts\n",
	"",
}

// TestMemoMatchesWholeScan checks that analysing a text line by line, through
// the memo, gives the tokens of one scan of the whole text, offsets and
// flags included, whether its lines are memoised or not.
func TestMemoMatchesWholeScan(t *testing.T) {
	for _, text := range memoTexts {
		want := appendScanned(nil, text, 0)
		for round := range 2 { // the second round finds the lines memoised
			if got := AppendTokens(nil, text); !slices.Equal(got, want) {
				t.Errorf("round %d: AppendTokens(%q) =\n%+v\nwant\n%+v", round, text, got, want)
			}
		}
	}
}

// TestMemoConcurrentGenerations analyses texts from several goroutines while
// other lines fill generation after generation, and checks every result.
func TestMemoConcurrentGenerations(t *testing.T) {
	want := make([][]Token, len(memoTexts))
	for i, text := range memoTexts {
		want[i] = appendScanned(nil, text, 0)
	}
	filler := strings.Repeat("Une ligne de remplissage, numéro ", 3)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var buf []Token
			for i := range 3000 {
				line := filler + strings.Repeat("x", g) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
				buf = AppendTokens(buf[:0], line)
				k := (g + i) % len(memoTexts)
				if buf = AppendTokens(buf[:0], memoTexts[k]); !slices.Equal(buf, want[k]) {
					t.Errorf("AppendTokens(%q) = %+v, want %+v", memoTexts[k], buf, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}
