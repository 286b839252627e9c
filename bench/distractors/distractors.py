#!/usr/bin/python3
"""Build a French distractor corpus for retrieval benchmarks.

The paragraphs come from two offline sources:

  * the French manual pages of Debian's manpages-fr package
    (/usr/share/man/fr/**/*.gz), decompressed, stripped of roff/man macros
    and escapes, joined into paragraphs, and kept when they are 200-1500
    characters of prose (mostly letters, several French stop words, few
    English ones);
  * the example archive (examples/archive/*.txt): each file's first line is
    skipped, the rest is split on blank lines, and paragraphs of at least
    100 characters are kept, titled with the headline that precedes them.

It writes OUT/distractors.jsonl ({"id": "man-<n>" or "ex-<n>", "title",
"text"}) and, with --piaf, OUT/mix.jsonl: every line of the PIAF corpus
unchanged followed by the distractors (ids must not collide). Inputs are
read in sorted order and paragraphs deduplicated on their text, so the
output is the same from one run to the next on the same package version.

Only the Python 3 standard library is used. When manpages-fr is not
installed it runs `apt-get install -y manpages-fr` (after `apt-get update`
if that fails), through sudo unless it runs as root.

    bench/distractors/distractors.py --out DIR \
        --piaf ../shared/data/piaf-fr-qa/corpus.jsonl [--min 5000]
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MANDIR = "/usr/share/man/fr"
PACKAGE = "manpages-fr"

MIN_CHARS, MAX_CHARS = 200, 1500
EXAMPLE_MIN_CHARS = 100

FRENCH_STOPWORDS = frozenset("""
le la les l de des du d un une et est sont à au aux en dans pour par sur avec
sans ce cette ces qui que qu ne pas il elle ils elles on se sa son ses leur
leurs ou où mais si comme plus être été peut doit fait lorsque quand
""".split())
ENGLISH_STOPWORDS = frozenset("""
the and of is are to in for with that this be by from or as it not
""".split())

# Two-character roff escapes \(xx and \[xx]: accents of old translations,
# quotes, symbols. Anything else is dropped.
GLYPHS = {
    "'e": "é", "`e": "è", "^e": "ê", ":e": "ë", "'E": "É", "`E": "È", "^E": "Ê",
    "`a": "à", "^a": "â", ":a": "ä", "`A": "À", "^A": "Â",
    "^i": "î", ":i": "ï", "^I": "Î", "^o": "ô", ":o": "ö", "^O": "Ô",
    "`u": "ù", "^u": "û", ":u": "ü", ",c": "ç", ",C": "Ç", "'a": "á",
    "'o": "ó", "'i": "í", "'u": "ú", "~n": "ñ", "oe": "œ", "OE": "Œ", "ae": "æ",
    "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›", "lq": "“", "rq": "”", "oq": "‘",
    "cq": "’", "aq": "'", "dq": '"', "bu": "•", "co": "©", "rg": "®", "tm": "™",
    "em": "—", "en": "–", "hy": "-", "mi": "-", "pl": "+", "mu": "×", "di": "÷",
    ">=": "≥", "<=": "≤", "!=": "≠", "->": "→", "<-": "←", "de": "°", "ti": "~",
    "ha": "^", "ga": "`", "ul": "_", "rs": "\\", "sl": "/", "ba": "|", "br": "|",
    "dg": "†", "sc": "§", "ps": "¶", "Eu": "€", "eu": "€", "ct": "¢", "Po": "£",
    "sp": " ", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "la": "⟨", "ra": "⟩",
}

# Macros whose arguments are running text, printed in a font (the font
# alternation of .BR and friends joins the arguments without spaces).
TEXT_MACROS = {"B", "I", "SM", "SB", "R"}
ALT_MACROS = {"BR", "RB", "IR", "RI", "BI", "IB"}
# Macros that end a paragraph; their arguments are not prose.
BREAK_MACROS = {"PP", "P", "LP", "SH", "SS", "TP", "TQ", "IP", "HP", "RS", "RE",
                "sp", "nf", "fi", "EX", "EE", "TH", "UR", "UE", "MT", "ME",
                "SY", "YS", "OP", "ti", "in", "bp", "ne", "TS", "TE", "EQ", "EN"}
# Blocks whose content is skipped: no-fill (usually code or tables),
# examples, tables, equations.
SKIP_UNTIL = {"nf": "fi", "EX": "EE", "TS": "TE", "EQ": "EN", "de": "..",
              "ig": "..", "am": "..", "ds": None}

ESCAPE = re.compile(r"""
    \\f(?:\[[^\]]*\]|\(..|.)          # font change
  | \\s[-+]?(?:\[[^\]]*\]|\(..|\d+)   # size change
  | \\[hvwlLoHSxXZbDNR]'[^']*'        # motions, widths, drawing
  | \\\*(?:\[[^\]]*\]|\(..|.)         # string interpolation
  | \\n[-+]?(?:\[[^\]]*\]|\(..|.)     # number register
  | \\k.                              # mark position
  | \\\((..)                          # glyph \(xx
  | \\\[([^\]]*)\]                    # glyph \[name] or \[uXXXX]
  | \\(.)                             # any other one-character escape
""", re.X)


def glyph(m):
    two, name, one = m.group(1), m.group(2), m.group(3)
    if two is not None:
        return GLYPHS.get(two, "")
    if name is not None:
        if re.fullmatch(r"u[0-9A-Fa-f]{4,6}(?:_[0-9A-Fa-f]{4,6})*", name):
            return unicodedata.normalize("NFC", "".join(chr(int(c, 16)) for c in name[1:].split("_")))
        return GLYPHS.get(name, "")
    if one is None:
        return ""  # font, size, motion, string, register: nothing printed
    return {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ",
            "'": "´", "`": "`", ".": ".", "_": "_", "t": " "}.get(one, "")


def unescape(s):
    return ESCAPE.sub(glyph, s)


def macro_args(rest):
    """Splits the arguments of a macro line, honouring double quotes."""
    args, cur, quoted, i = [], "", False, 0
    while i < len(rest):
        c = rest[i]
        if c == '"':
            if quoted and i + 1 < len(rest) and rest[i + 1] == '"':
                cur += '"'
                i += 1
            else:
                quoted = not quoted
        elif c in " \t" and not quoted:
            if cur:
                args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    if cur:
        args.append(cur)
    return args


def man_paragraphs(src):
    """Yields the text paragraphs of a man page written with the man macros."""
    para = []
    skip_end = None    # end macro of a skipped block
    brace = 0          # depth of a skipped \{ ... \} conditional block
    drop_next = False  # the tag line after .TP is not prose

    def flush():
        if para:
            yield " ".join(para)
            para.clear()

    for line in src.splitlines():
        if brace:
            brace += line.count("\\{") - line.count("\\}")
            brace = max(brace, 0)
            continue
        if skip_end is not None:
            if line.startswith(("." + skip_end, "'" + skip_end)) or (skip_end == ".." and line.strip() == ".."):
                skip_end = None
            continue
        if line.startswith((".\\\"", "'\\\"", "\\\"")):
            continue
        if line.startswith((".", "'")):
            body = line[1:].lstrip()
            name, _, rest = body.partition(" ")
            name = name.strip()
            if "\\{" in line:
                brace = line.count("\\{") - line.count("\\}")
                yield from flush()
                continue
            if name in SKIP_UNTIL:
                yield from flush()
                skip_end = SKIP_UNTIL[name]
                continue
            if name in TEXT_MACROS:
                text = unescape(" ".join(macro_args(rest))).strip()
                if drop_next:
                    drop_next = False
                    continue
                if text:
                    para.append(text)
                continue
            if name in ALT_MACROS:
                text = unescape("".join(macro_args(rest))).strip()
                if drop_next:
                    drop_next = False
                    continue
                if text:
                    para.append(text)
                continue
            if name in BREAK_MACROS:
                yield from flush()
                drop_next = name in ("TP", "TQ")
                continue
            if name == "br":
                continue
            # Any other request or macro (.if, .ie, .el, .nr, .ad, .hy,
            # mdoc macros...): neither text nor a paragraph break.
            continue
        if drop_next:
            drop_next = False
            continue
        if not line.strip():
            yield from flush()
            continue
        text = unescape(line).strip()
        if text:
            para.append(text)
    yield from flush()


WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.U)


def is_prose(text, lo=MIN_CHARS, hi=MAX_CHARS):
    if not lo <= len(text) <= hi:
        return False
    chars = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in chars)
    if letters < 0.8 * len(chars):
        return False
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < 30:
        return False
    # Split elisions: l'option -> l, option.
    toks = []
    for w in words:
        toks.extend(re.split(r"['’]", w))
    fr = sum(t in FRENCH_STOPWORDS for t in toks)
    en = sum(t in ENGLISH_STOPWORDS for t in toks)
    distinct = len({t for t in toks if t in FRENCH_STOPWORDS})
    if fr < 0.2 * len(toks) or distinct < 5 or en > fr / 4:
        return False
    # Mostly sentences, not lists of options or paths.
    if text.count("/") > 10 or text.count("=") > 3 or text.count("•") > 3:
        return False
    return text[0].isupper() or text[0] in "«“(\"'"


def normalize(text):
    return re.sub(r"\s+", " ", text).strip()


def page_name(path):
    base = os.path.basename(path)
    if base.endswith(".gz"):
        base = base[:-3]
    name, _, section = base.rpartition(".")
    return f"{name}({section})" if name else base


def read_page(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def ensure_manpages():
    """Installs manpages-fr when it is not installed (it installs offline
    from the Debian mirror; /usr/share/man/fr alone may hold only the few
    pages that other packages ship)."""
    st = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE],
                        capture_output=True, text=True)
    if st.returncode == 0 and "install ok installed" in st.stdout:
        return
    print(f"distractors: installing {PACKAGE}", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    cmd = sudo + ["apt-get", "install", "-y", "-q", PACKAGE]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, env=env, stdout=sys.stderr).returncode != 0:
        subprocess.run(sudo + ["apt-get", "update", "-q"], env=env, stdout=sys.stderr, check=True)
        subprocess.run(cmd, env=env, stdout=sys.stderr, check=True)


def man_corpus(seen):
    files = []
    for dirpath, dirnames, filenames in os.walk(MANDIR):
        dirnames.sort()
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            if fn.endswith(".gz") and not os.path.islink(p):
                files.append(p)
    files.sort()
    out, pages = [], 0
    for p in files:
        src = read_page(p)
        if src.lstrip().startswith(".so "):
            continue  # an alias of another page
        kept = 0
        for para in man_paragraphs(src):
            text = normalize(para)
            if not is_prose(text) or text in seen:
                continue
            seen.add(text)
            out.append((page_name(p), text))
            kept += 1
        pages += kept > 0
    return out, len(files), pages


def example_corpus(seen):
    out = []
    arch = os.path.join(ROOT, "examples", "archive")
    for fn in sorted(os.listdir(arch)):
        if not fn.endswith(".txt"):
            continue
        with open(os.path.join(arch, fn), encoding="utf-8") as f:
            lines = f.read().split("\n")[1:]  # the first line is metadata
        blocks = [normalize(b) for b in re.split(r"\n\s*\n", "\n".join(lines))]
        headline = os.path.splitext(fn)[0]
        for b in blocks:
            if not b:
                continue
            if len(b) < EXAMPLE_MIN_CHARS:
                headline = b  # a short block is the headline of what follows
                continue
            if b in seen:
                continue
            seen.add(b)
            out.append((headline, b))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--piaf", help="PIAF corpus.jsonl: also write OUT/mix.jsonl")
    ap.add_argument("--min", type=int, default=5000, help="fail below this many distractors")
    ap.add_argument("--no-install", action="store_true", help="do not install manpages-fr")
    args = ap.parse_args()

    if not args.no_install:
        ensure_manpages()
    if not os.path.isdir(MANDIR):
        sys.exit(f"distractors: {MANDIR} missing; install {PACKAGE}")
    seen = set()
    man, nfiles, npages = man_corpus(seen)
    ex = example_corpus(seen)
    rows = [{"id": f"man-{i}", "title": t, "text": x} for i, (t, x) in enumerate(man, 1)]
    rows += [{"id": f"ex-{i}", "title": t, "text": x} for i, (t, x) in enumerate(ex, 1)]
    print(f"distractors: {len(man)} man-page paragraphs from {npages} of {nfiles} pages, "
          f"{len(ex)} example-archive paragraphs, {len(rows)} in all", file=sys.stderr)
    if len(rows) < args.min:
        sys.exit(f"distractors: only {len(rows)} paragraphs, fewer than --min {args.min}")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "distractors.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.piaf:
        ids = {r["id"] for r in rows}
        n = 0
        with open(args.piaf, encoding="utf-8") as src, \
                open(os.path.join(args.out, "mix.jsonl"), "w", encoding="utf-8") as f:
            for line in src:
                if not line.strip():
                    continue
                pid = json.loads(line)["id"]
                if pid in ids:
                    sys.exit(f"distractors: id {pid} in both the PIAF corpus and the distractors")
                ids.add(pid)
                f.write(line.rstrip("\n") + "\n")
                n += 1
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"distractors: mix of {n} PIAF passages and {len(rows)} distractors", file=sys.stderr)


if __name__ == "__main__":
    main()
