package eval

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one line of a comparison table: a configuration's name and the
// figures measured for it; a nil field prints as "-".
type Row struct {
	Name      string
	Retrieval *Retrieval
	Spearman  *float64
}

// WriteTable writes rows as a table aligned with spaces, one configuration
// a line under a header, metrics with three decimals and latencies rounded
// to the microsecond. Write errors are ignored, as for fmt.Fprintf to a
// terminal; pass a buffer to check them.
func WriteTable(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "config\tqueries\tR@1\tR@5\tR@10\tMRR@10\tnDCG@10\tp50\tp95\tSpearman")
	for _, r := range rows {
		cells := []string{r.Name, "-", "-", "-", "-", "-", "-", "-", "-", "-"}
		if m := r.Retrieval; m != nil {
			cells[1] = strconv.Itoa(m.Queries)
			for i, v := range []float64{m.Recall1, m.Recall5, m.Recall10, m.MRR10, m.NDCG10} {
				cells[2+i] = decimal(v)
			}
			cells[7] = m.P50.Round(time.Microsecond).String()
			cells[8] = m.P95.Round(time.Microsecond).String()
		}
		if r.Spearman != nil {
			cells[9] = decimal(*r.Spearman)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

func decimal(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
