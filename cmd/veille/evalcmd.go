package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/eval"
	"github.com/veille/veille/ingest"
)

// evalCmd measures retrieval on a corpus and its questions, and similarity
// on scored pairs, with the configured embedder. The corpus is ingested
// first, into a temporary data directory, or into the one --data or
// VEILLE_DATA_DIR names (idempotently: a second run reuses it).
func evalCmd(ctx context.Context, args []string, e env) error {
	var corpus, queries, pairs string
	var asJSON bool
	var flags *flag.FlagSet
	cfg, rest, err := parse("eval", args, false, e, func(fs *flag.FlagSet) {
		flags = fs
		fs.StringVar(&corpus, "corpus", "", "JSON Lines corpus {id, title?, text} to ingest and search (into a temporary data directory unless --data or VEILLE_DATA_DIR names one)")
		fs.StringVar(&queries, "queries", "", "JSON Lines questions {id, question, gold_ids}")
		fs.StringVar(&pairs, "pairs", "", "JSON Lines scored pairs {text1, text2, score}: Spearman of cosine against score")
		fs.BoolVar(&asJSON, "json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 || (queries == "") != (corpus == "") || (queries == "" && pairs == "") {
		return fmt.Errorf("%w: eval needs --corpus with --queries, and/or --pairs", errUsage)
	}
	// An evaluation must not ingest its corpus into the archive that
	// --data defaults to.
	named := e.getenv("VEILLE_DATA_DIR") != ""
	flags.Visit(func(f *flag.Flag) { named = named || f.Name == "data" })
	if !named {
		tmp, err := os.MkdirTemp("", "veille-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cfg.DataDir = tmp
	}
	log := newLogger(cfg, e.stderr)
	o, err := open(ctx, cfg, log, hooks{})
	if err != nil {
		return err
	}
	rows, err := evaluate(ctx, o.arch, corpus, queries, pairs, log)
	if cerr := o.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(e.stdout, rows)
	}
	eval.WriteTable(e.stdout, rows)
	return nil
}

func evaluate(ctx context.Context, arch *archive.Archive, corpus, queries, pairs string, log *slog.Logger) ([]eval.Row, error) {
	var rows []eval.Row
	id := arch.Identity()
	if corpus != "" {
		sum, err := loadFiles(ctx, arch, []string{corpus}, ingest.FormatDetect, "", log, nil)
		if err != nil {
			return nil, err
		}
		if sum.Failed > 0 {
			return nil, fmt.Errorf("ingest %s failed", corpus)
		}
		log.Info("corpus ingested", "summary", sum.String())
		qs, err := readFile(queries, eval.ReadQueries)
		if err != nil {
			return nil, err
		}
		for _, m := range []archive.Mode{archive.Hybrid, archive.Vector, archive.Lexical} {
			search := func(ctx context.Context, q string, k int) ([]string, error) {
				hits, err := arch.Search(ctx, archive.Query{Text: q, K: k, Mode: m})
				ids := make([]string, len(hits))
				for i, h := range hits {
					ids[i] = h.ID
				}
				return ids, err
			}
			res, err := eval.Run(ctx, search, qs)
			if err != nil {
				return nil, err
			}
			name := string(m)
			if m != archive.Lexical {
				name = id.String() + " " + name
			}
			rows = append(rows, eval.Row{Name: name, Retrieval: &res})
		}
	}
	if pairs != "" {
		ps, err := readFile(pairs, eval.ReadPairs)
		if err != nil {
			return nil, err
		}
		rho, err := eval.Similarity(ctx, func(ctx context.Context, texts []string) ([][]float32, error) {
			return arch.Embed(ctx, texts, embed.Passage)
		}, ps)
		if err != nil {
			return nil, err
		}
		rows = append(rows, eval.Row{Name: id.String() + " cosine", Spearman: &rho})
	}
	return rows, nil
}

func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
