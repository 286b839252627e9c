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

func TestBuiltinCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := embed.NewBuiltin(8).Embed(ctx, []string{"a"}, embed.Query); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed after cancel: error = %v, want context.Canceled", err)
	}
}
