package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/bot/i18n"
	"github.com/clubcrm/clubcrm/domain"
)

// Every error code the domain and the store can return has a message in
// every language, so the person is told what was wrong instead of the
// generic "can't be accepted" (and the bot does not log "rule without a
// message"). The codes are read from the source, so a new code without a
// message fails here rather than in a chat.
func TestEveryDomainErrorCodeHasAMessage(t *testing.T) {
	codes := domainErrorCodes(t, filepath.Join("..", "domain"))
	if len(codes) < 50 || codes["text_invalid"] == "" || codes["phone_taken"] == "" || codes["bool_invalid"] == "" {
		t.Fatalf("found %d codes; the scan misses some: %v", len(codes), codes)
	}
	cat := i18n.MustNew()
	for _, l := range domain.Languages {
		have := map[string]bool{}
		for _, id := range cat.IDs(l) {
			have[id] = true
		}
		var missing []string
		for code, pos := range codes {
			if !have["bot.err."+code] {
				missing = append(missing, "bot.err."+code+" (used at "+pos+")")
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%s: no message %s", l, m)
		}
	}
}

// domainErrorCodes returns the error codes used in the Go files under dir
// (tests aside), each with one place it is used. A code is the first
// argument of domain's Invalid, Conflict and Forbidden, or the Code of a
// domain.Error literal; a helper that passes one of its parameters on as the
// code (a closure like `bad := func(code string) ...`) contributes the
// literals it is called with. Any other code that is not a string literal
// fails the test: it could not be checked.
//
// Codes of kind ErrNotFound are left out: the bot answers every not-found
// with the same generic text on purpose, so a forged id or another club's
// learns nothing (TestReportRefusals).
func domainErrorCodes(t *testing.T, dir string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}

	codes := map[string]string{}
	for _, f := range files {
		inDomain := f.Name.Name == "domain"
		// codeArg returns the expression a call or literal gives as the code.
		codeArg := func(n ast.Node) (ast.Expr, bool) {
			switch n := n.(type) {
			case *ast.CallExpr:
				if isDomainName(n.Fun, inDomain, "Invalid", "Conflict", "Forbidden") && len(n.Args) > 0 {
					return n.Args[0], true
				}
			case *ast.CompositeLit:
				if !isDomainName(n.Type, inDomain, "Error") {
					break
				}
				var code ast.Expr
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					switch {
					case !ok:
					case isIdent(kv.Key, "Kind") && isDomainName(kv.Value, inDomain, "ErrNotFound"):
						return nil, false // deliberately the generic "not found"
					case isIdent(kv.Key, "Code"):
						code = kv.Value
					}
				}
				if code != nil {
					return code, true
				}
			}
			return nil, false
		}

		// Helpers whose parameter becomes the code: name → parameter index.
		forwarders := map[string]int{}
		params := map[*ast.Ident]bool{} // the forwarded parameters' uses
		ast.Inspect(f, func(n ast.Node) bool {
			var name string
			var fn *ast.FuncType
			var body *ast.BlockStmt
			switch n := n.(type) {
			case *ast.FuncDecl:
				name, fn, body = n.Name.Name, n.Type, n.Body
			case *ast.AssignStmt:
				if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
					if lit, ok := n.Rhs[0].(*ast.FuncLit); ok {
						if id, ok := n.Lhs[0].(*ast.Ident); ok {
							name, fn, body = id.Name, lit.Type, lit.Body
						}
					}
				}
			}
			if body == nil {
				return true
			}
			ast.Inspect(body, func(m ast.Node) bool {
				arg, ok := codeArg(m)
				id, isIdent := arg.(*ast.Ident)
				if !ok || !isIdent {
					return true
				}
				if i := paramIndex(fn, id.Name); i >= 0 {
					forwarders[name] = i
					params[id] = true
				}
				return true
			})
			return true
		})

		ast.Inspect(f, func(n ast.Node) bool {
			arg, ok := codeArg(n)
			if call, isCall := n.(*ast.CallExpr); !ok && isCall {
				if id, isIdent := call.Fun.(*ast.Ident); isIdent {
					if i, fwd := forwarders[id.Name]; fwd && i < len(call.Args) {
						arg, ok = call.Args[i], true
					}
				}
			}
			if !ok {
				return true
			}
			if id, isIdent := arg.(*ast.Ident); isIdent && params[id] {
				return true // a forwarder's parameter: its callers give the codes
			}
			lit, isLit := arg.(*ast.BasicLit)
			code, err := "", error(nil)
			if isLit && lit.Kind == token.STRING {
				code, err = strconv.Unquote(lit.Value)
			}
			if !isLit || lit.Kind != token.STRING || err != nil || code == "" {
				t.Errorf("%s: the error code is not a string literal; write it as one so its message can be checked", fset.Position(n.Pos()))
				return true
			}
			if _, seen := codes[code]; !seen {
				codes[code] = fset.Position(n.Pos()).String()
			}
			return true
		})
	}
	return codes
}

// isDomainName reports whether e names one of names in package domain:
// domain.X from elsewhere, plain X inside it.
func isDomainName(e ast.Expr, inDomain bool, names ...string) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "domain" {
			return isIdent(e.Sel, names...)
		}
	case *ast.Ident:
		return inDomain && isIdent(e, names...)
	}
	return false
}

func isIdent(e ast.Expr, names ...string) bool {
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	for _, n := range names {
		if id.Name == n {
			return true
		}
	}
	return false
}

// paramIndex is the position of the parameter called name, or -1.
func paramIndex(fn *ast.FuncType, name string) int {
	i := 0
	for _, field := range fn.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				return i
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return -1
}
