//go:build unix

package embed_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/veille/veille/embed"
)

// paragraphs returns realistic French newsletter paragraphs of about 100
// words, each different.
func paragraphs(n int) []string {
	const base = "Mistral AI a présenté cette semaine un nouveau modèle de langage, " +
		"entraîné sur des données européennes et publié sous licence ouverte. " +
		"Selon l'entreprise, il rivalise avec GPT-4 sur la plupart des tests " +
		"tout en coûtant cinq fois moins cher à l'usage. La start-up parisienne, " +
		"qui a levé 600 millions d'euros en juin, veut convaincre les grandes " +
		"entreprises françaises de lui confier leurs données. Meta et Google " +
		"préparent de leur côté des réponses, et la Commission européenne " +
		"surveille de près ces partenariats jugés stratégiques pour la " +
		"souveraineté numérique du continent, alors que l'AI Act entre en " +
		"vigueur progressivement jusqu'en 2026 pour les systèmes à haut risque."
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Édition %d. %s Numéro %d.", i, base, i*13)
	}
	return out
}

var sinkVectors [][]float32

// BenchmarkBuiltin reports paragraphs per second of wall time on one
// goroutine, and per second of CPU time, which stays meaningful on a busy
// machine.
func BenchmarkBuiltin(b *testing.B) {
	e := embed.NewBuiltin(0)
	in := paragraphs(256)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		v, err := e.Embed(b.Context(), in, embed.Passage)
		if err != nil {
			b.Fatal(err)
		}
		sinkVectors = v
	}
	n := float64(b.N * len(in))
	b.ReportMetric(n/b.Elapsed().Seconds(), "paragraphs/s")
	b.ReportMetric(n/(cpuTime(b)-cpu0).Seconds(), "paragraphs/cpu-s")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
