package embed_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/veille/veille/embed"
)

func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestBuiltinVectors(t *testing.T) {
	b := embed.NewBuiltin(0)
	if want := (embed.Identity{Provider: "builtin", Model: embed.BuiltinModel, Dims: embed.DefaultDims}); b.Identity() != want {
		t.Errorf("Identity() = %v, want %v", b.Identity(), want)
	}
	in := []string{"Mistral AI lève 600 millions d'euros.", "", "?!", "Qui est-ce ?", "Élysée"}
	got, err := b.Embed(t.Context(), in, embed.Passage)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if len(v) != embed.DefaultDims || math.Abs(norm(v)-1) > 1e-5 {
			t.Errorf("vector of %q: len %d, norm %v", in[i], len(v), norm(v))
		}
	}
	again, err := b.Embed(t.Context(), in, embed.Passage)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !slices.Equal(got[i], again[i]) {
			t.Errorf("vector of %q changed between calls", in[i])
		}
		alone := b.Vector(in[i], embed.Passage)
		if !slices.Equal(got[i], alone) {
			t.Errorf("vector of %q depends on the rest of the batch", in[i])
		}
	}
}

func TestBuiltinSimilarity(t *testing.T) {
	b := embed.NewBuiltin(0)
	tests := []struct {
		anchor, close, far string
		mode               embed.Mode
	}{
		{
			"Le gouvernement annonce un plan pour l'intelligence artificielle.",
			"Un plan gouvernemental en faveur de l'IA et de l'intelligence artificielle est annoncé.",
			"La recette de la tarte aux pommes demande du beurre.",
			embed.Passage,
		},
		{
			"Combien Mistral AI a-t-elle levé ?",
			"La start-up Mistral AI a levé 600 millions d'euros auprès d'investisseurs.",
			"Le musée du Louvre a accueilli neuf millions de visiteurs.",
			embed.Query,
		},
		{
			"Who released the DeepSeek model?",
			"DeepSeek a publié un nouveau modèle de langage open source.",
			"Les élections municipales ont lieu en mars.",
			embed.Query,
		},
	}
	for _, tt := range tests {
		t.Run(tt.anchor, func(t *testing.T) {
			a := b.Vector(tt.anchor, tt.mode)
			c := b.Vector(tt.close, embed.Passage)
			f := b.Vector(tt.far, embed.Passage)
			if cc, cf := cosine(a, c), cosine(a, f); cc <= cf+0.1 {
				t.Errorf("cos(close) = %.3f, cos(far) = %.3f; want close clearly higher", cc, cf)
			}
		})
	}
}

// TestBuiltinKind checks that in a query the word after "quel" weighs less
// than the other words, and the same as them in a passage.
func TestBuiltinKind(t *testing.T) {
	b := embed.NewBuiltin(0)
	text := "dans quel pays se trouve jos"
	kind, other := b.Vector("pays", embed.Passage), b.Vector("jos", embed.Passage)
	q := b.Vector(text, embed.Query)
	if ck, co := cosine(q, kind), cosine(q, other); ck >= 0.8*co {
		t.Errorf("query: cos(pays) = %.3f, cos(jos) = %.3f; want pays clearly lower", ck, co)
	}
	p := b.Vector(text, embed.Passage)
	if ck, co := cosine(p, kind), cosine(p, other); math.Abs(ck-co) > 0.1*co {
		t.Errorf("passage: cos(pays) = %.3f, cos(jos) = %.3f; want them about equal", ck, co)
	}
}

// TestBuiltinAbbreviations checks that a query's abbreviation brings it
// closer to a passage that spells it out, and that passages are left as
// they are.
func TestBuiltinAbbreviations(t *testing.T) {
	b := embed.NewBuiltin(0)
	passage := b.Vector("Arthur Mensch, le patron de Mistral AI, demande une pause.", embed.Passage)
	other := b.Vector("Mistral AI publie un nouveau modèle ouvert.", embed.Passage)
	const question = "Qui est le PDG de Mistral AI ?"
	q, plain := b.Vector(question, embed.Query), b.Vector(question, embed.Passage)
	if cq, cp := cosine(q, passage), cosine(plain, passage); cq <= cp {
		t.Errorf("cos(query, patron) = %.3f, without the expansion %.3f; want it higher", cq, cp)
	}
	if cq, co := cosine(q, passage), cosine(q, other); cq <= co {
		t.Errorf("query: cos(patron) = %.3f, cos(other) = %.3f; want the patron's higher", cq, co)
	}
}

func TestBuiltinCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := embed.NewBuiltin(8).Embed(ctx, []string{"a"}, embed.Query); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed after cancel: error = %v, want context.Canceled", err)
	}
}
