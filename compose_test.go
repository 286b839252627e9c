package veille_test

import (
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// These tests read Dockerfile, .dockerignore and docker-compose.yml and
// check their wiring against each other and against veille's own list of
// settings, so that a renamed variable or a moved folder fails here rather
// than on `docker compose up`. They need no Docker engine and no network.

// loadCompose loads docker-compose.yml with env as the only source of
// interpolation: no OS environment, no .env file.
func loadCompose(t *testing.T, env ...string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"},
		cli.WithWorkingDirectory(dir),
		cli.WithName("veille"),
		cli.WithEnv(env),
		cli.WithResolvedPaths(false),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml: no service %q (have %v)", name, slices.Sorted(maps.Keys(p.Services)))
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// settings returns the VEILLE_* variables veille reads: the env fields of
// the options list in cmd/veille/config.go, the list that `veille config`
// prints as the README table. Reading the source rather than running the
// command keeps this test from compiling the whole server, which takes
// minutes on a cold build cache.
func settings(t *testing.T) map[string]bool {
	t.Helper()
	const file = "cmd/veille/config.go"
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != "options" || len(vs.Values) != 1 {
				continue
			}
			list, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				continue
			}
			for _, elt := range list.Elts {
				if name := envField(elt); name != "" {
					set[name] = true
				}
			}
		}
	}
	if len(set) < 5 {
		t.Fatalf("%s: found only %v in var options: has the list changed shape?", file, set)
	}
	return set
}

// envField returns the value of the env field of one option{...} literal.
func envField(elt ast.Expr) string {
	lit, ok := elt.(*ast.CompositeLit)
	if !ok {
		return ""
	}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		key, ok := kv.Key.(*ast.Ident)
		val, isLit := kv.Value.(*ast.BasicLit)
		if !ok || key.Name != "env" || !isLit || val.Kind != token.STRING {
			continue
		}
		if s, err := strconv.Unquote(val.Value); err == nil {
			return s
		}
	}
	return ""
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	ollama := service(t, p, "ollama")
	pull := service(t, p, "ollama-pull")
	veille := service(t, p, "veille")

	t.Run("ollama", func(t *testing.T) {
		if !strings.HasPrefix(ollama.Image, "ollama/ollama") {
			t.Errorf("image = %q, want ollama/ollama", ollama.Image)
		}
		// service_healthy below needs a healthcheck to wait on.
		if hc := ollama.HealthCheck; hc == nil || hc.Disable || !strings.Contains(strings.Join(hc.Test, " "), "ollama list") {
			t.Errorf("healthcheck = %+v, want one running ollama list", hc)
		}
		if !hasNamedVolume(p, ollama, "/root/.ollama") {
			t.Errorf("models at /root/.ollama are not on a named volume: %+v", ollama.Volumes)
		}
		for _, port := range ollama.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("port %+v published beyond loopback", port)
			}
		}
	})

	t.Run("ollama-pull", func(t *testing.T) {
		if pull.Image != ollama.Image {
			t.Errorf("image = %q, want the ollama service's %q", pull.Image, ollama.Image)
		}
		checkDependsOn(t, pull, "ollama", types.ServiceConditionHealthy)
		if got := env(pull, "OLLAMA_HOST"); got != "ollama:11434" {
			t.Errorf("OLLAMA_HOST = %q, want ollama:11434", got)
		}
		script := strings.Join(append(slices.Clone(pull.Entrypoint), pull.Command...), " ")
		if !strings.Contains(script, "ollama pull") {
			t.Errorf("entrypoint and command %q do not run ollama pull", script)
		}
		if slices.Contains([]string{"always", "unless-stopped", "on-failure"}, pull.Restart) {
			t.Errorf("restart = %q: a one-shot must not restart", pull.Restart)
		}
	})

	t.Run("veille", func(t *testing.T) {
		if veille.Build == nil {
			t.Fatal("veille is not built from the repository")
		}
		if veille.Build.Context != "." || cmp.Or(veille.Build.Dockerfile, "Dockerfile") != "Dockerfile" {
			t.Errorf("build = {context %q, dockerfile %q}, want {., Dockerfile}", veille.Build.Context, veille.Build.Dockerfile)
		}
		checkDependsOn(t, veille, "ollama-pull", types.ServiceConditionCompletedSuccessfully)

		want := map[string]string{
			"VEILLE_EMBED_PROVIDER": "openai",
			"VEILLE_EMBED_BASE_URL": "http://ollama:11434/v1",
			"VEILLE_EMBED_MODEL":    "bge-m3",
			"VEILLE_ARCHIVE":        "/srv/examples/archive",
			"VEILLE_DATA_DIR":       "/data",
			"VEILLE_LOG_FORMAT":     "json",
		}
		for k, v := range want {
			if got := env(veille, k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if got := env(veille, "VEILLE_CHAT_BASE_URL"); got != "http://ollama:11434/v1" {
			t.Errorf("VEILLE_CHAT_BASE_URL = %q, want the ollama service", got)
		}
		if env(veille, "VEILLE_CHAT_MODEL") == "" {
			t.Error("VEILLE_CHAT_MODEL has no default")
		}

		if !hasNamedVolume(p, veille, "/data") {
			t.Errorf("/data is not on a named volume: %+v", veille.Volumes)
		}
		published := slices.ContainsFunc(veille.Ports, func(port types.ServicePortConfig) bool {
			return port.Target == 8080 && port.Published == "8080"
		})
		if !published {
			t.Errorf("ports = %+v, want 8080:8080", veille.Ports)
		}
		if veille.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("restart = %q, want %s", veille.Restart, types.RestartPolicyUnlessStopped)
		}
		// The runtime image is distroless: a healthcheck would have nothing to run.
		if hc := veille.HealthCheck; hc != nil && !hc.Disable {
			t.Errorf("healthcheck %v cannot run in a distroless image", hc.Test)
		}
	})
}

// TestComposeSettings checks that every VEILLE_* variable compose sets is
// one that veille reads (see [settings]), so that a typo or a renamed setting does not pass
// silently (veille ignores unknown variables).
func TestComposeSettings(t *testing.T) {
	known := settings(t)
	p := loadCompose(t)
	for name, s := range p.Services {
		for k := range s.Environment {
			if !strings.HasPrefix(k, "VEILLE_") {
				continue
			}
			if !known[k] {
				t.Errorf("service %s sets %s, which veille config does not list", name, k)
			}
		}
	}
	for _, k := range dockerfileEnv(t) {
		if !known[k] {
			t.Errorf("Dockerfile sets %s, which veille config does not list", k)
		}
	}
}

// TestComposeModelOverride checks that one variable picks the model both
// pulled and used, and that an empty chat model skips its download.
func TestComposeModelOverride(t *testing.T) {
	p := loadCompose(t, "VEILLE_EMBED_MODEL=nomic-embed-text", "VEILLE_CHAT_MODEL=")
	pull, veille := service(t, p, "ollama-pull"), service(t, p, "veille")
	if got := env(veille, "VEILLE_EMBED_MODEL"); got != "nomic-embed-text" {
		t.Errorf("veille VEILLE_EMBED_MODEL = %q, want the override", got)
	}
	if a, b := env(pull, "PULL_EMBED_MODEL"), env(veille, "VEILLE_EMBED_MODEL"); a != b {
		t.Errorf("ollama-pull pulls %q but veille embeds with %q", a, b)
	}
	if got := env(pull, "PULL_CHAT_MODEL"); got != "" {
		t.Errorf("PULL_CHAT_MODEL = %q, want empty (skip)", got)
	}

	def := loadCompose(t)
	if a, b := env(service(t, def, "ollama-pull"), "PULL_CHAT_MODEL"), env(service(t, def, "veille"), "VEILLE_CHAT_MODEL"); a == "" || a != b {
		t.Errorf("default chat model: ollama-pull pulls %q, veille is told %q", a, b)
	}
}

func checkDependsOn(t *testing.T, s types.ServiceConfig, on, condition string) {
	t.Helper()
	d, ok := s.DependsOn[on]
	if !ok {
		t.Errorf("%s does not depend on %s", s.Name, on)
		return
	}
	if d.Condition != condition {
		t.Errorf("%s depends on %s with condition %q, want %q", s.Name, on, d.Condition, condition)
	}
}

func hasNamedVolume(p *types.Project, s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == types.VolumeTypeVolume {
			_, declared := p.Volumes[v.Source]
			return declared
		}
	}
	return false
}

// A stage of a Dockerfile: its FROM line and its instructions, each with
// continuation lines joined and comments dropped. This is not a full parser;
// it is enough for the checks below.
type stage struct {
	from  string
	lines []string // "COPY --from=build /out/veille /veille"
}

func (s stage) has(prefix string, fields ...string) bool {
	return slices.ContainsFunc(s.lines, func(l string) bool {
		if !strings.HasPrefix(l, prefix+" ") {
			return false
		}
		for _, f := range fields {
			if !strings.Contains(l, f) {
				return false
			}
		}
		return true
	})
}

func readDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var cur strings.Builder
	for raw := range strings.Lines(string(b)) {
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if more, ok := strings.CutSuffix(l, `\`); ok {
			cur.WriteString(strings.TrimSpace(more) + " ")
			continue
		}
		cur.WriteString(l)
		line := cur.String()
		cur.Reset()
		op, rest, _ := strings.Cut(line, " ")
		if strings.EqualFold(op, "FROM") {
			stages = append(stages, stage{from: rest})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %q before the first FROM", line)
		}
		last := &stages[len(stages)-1]
		last.lines = append(last.lines, strings.ToUpper(op)+" "+rest)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build and a runtime stage", len(stages))
	}
	return stages
}

// dockerfileEnv returns the names the runtime stage sets with ENV.
func dockerfileEnv(t *testing.T) []string {
	t.Helper()
	stages := readDockerfile(t)
	var names []string
	for _, l := range stages[len(stages)-1].lines {
		if rest, ok := strings.CutPrefix(l, "ENV "); ok {
			for kv := range strings.FieldsSeq(rest) {
				k, _, _ := strings.Cut(kv, "=")
				names = append(names, k)
			}
		}
	}
	return names
}

func TestComposeDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	build, run := stages[0], stages[len(stages)-1]

	if !strings.HasPrefix(build.from, "golang:1.26") {
		t.Errorf("build stage FROM %q, want golang:1.26", build.from)
	}
	mod := slices.IndexFunc(build.lines, func(l string) bool { return l == "COPY go.mod go.sum ./" })
	src := slices.IndexFunc(build.lines, func(l string) bool { return l == "COPY . ." })
	if mod < 0 || src < 0 || mod > src {
		t.Errorf("build stage must COPY go.mod go.sum before the sources, for the module cache layer: %q", build.lines)
	}
	if !build.has("RUN", "CGO_ENABLED=0", "go build", "-trimpath", "-o /out/veille", "./cmd/veille") {
		t.Errorf("build stage has no CGO_ENABLED=0 go build -trimpath -o /out/veille ./cmd/veille: %q", build.lines)
	}

	checks := []struct {
		name   string
		op     string
		fields []string
	}{
		{"binary", "COPY", []string{"--from=build", "/out/veille /veille"}},
		{"archive", "COPY", []string{"examples/archive /srv/examples/archive"}},
		{"data dir env", "ENV", []string{"VEILLE_DATA_DIR=/data"}},
		{"addr env", "ENV", []string{"VEILLE_ADDR=:8080"}},
		{"json logs", "ENV", []string{"VEILLE_LOG_FORMAT=json"}},
		{"volume", "VOLUME", []string{"/data"}},
		{"port", "EXPOSE", []string{"8080"}},
		{"entrypoint", "ENTRYPOINT", []string{`["/veille"]`}},
		{"cmd", "CMD", []string{`["serve"]`}},
	}
	for _, c := range checks {
		if !run.has(c.op, c.fields...) {
			t.Errorf("runtime stage: %s: no %s with %q", c.name, c.op, c.fields)
		}
	}
	if !strings.Contains(run.from, ":nonroot") && !run.has("USER") {
		t.Errorf("runtime stage FROM %q runs as root", run.from)
	}

	// Compose relies on these paths of the image.
	p := loadCompose(t)
	veille := service(t, p, "veille")
	if dir := env(veille, "VEILLE_ARCHIVE"); !run.has("COPY", " "+dir) {
		t.Errorf("compose ingests %s, which the image does not hold", dir)
	}
	if dir := env(veille, "VEILLE_DATA_DIR"); !run.has("VOLUME", dir) {
		t.Errorf("compose keeps data in %s, which is not the image's VOLUME", dir)
	}
}

// TestComposeDockerignore checks that .dockerignore leaves the build its
// inputs. It knows plain patterns only, which is all the file uses.
func TestComposeDockerignore(t *testing.T) {
	b, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for l := range strings.Lines(string(b)) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "!") || strings.Contains(l, "**") {
			t.Fatalf(".dockerignore: pattern %q needs a smarter check than this test's", l)
		}
		patterns = append(patterns, strings.Trim(l, "/"))
	}
	needed := []string{"go.mod", "go.sum", "cmd/veille/main.go", "examples/archive/2025-01.txt"}
	for _, file := range needed {
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: %v (update this test)", file, err)
		}
		// A pattern excludes a path when it matches the path or one of its parents.
		for p := file; p != "."; p = path.Dir(p) {
			for _, pat := range patterns {
				if ok, _ := path.Match(pat, p); ok {
					t.Errorf(".dockerignore %q excludes %s, which the build needs", pat, file)
				}
			}
		}
	}
}
