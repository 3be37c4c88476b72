package main

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConfigReadsEveryTaggedField sets every variable named by a struct tag of
// config to a value different from its default and checks that the field
// changed: a variable added to the struct is read without being listed again.
func TestConfigReadsEveryTaggedField(t *testing.T) {
	t.Parallel()
	defaults, err := loadConfig(envFor(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	vars := map[string]string{}
	typ := reflect.TypeOf(config{})
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if key == "" {
			t.Fatalf("field %s has no env tag", f.Name)
		}
		vars[key] = otherValue(t, f, reflect.ValueOf(defaults).Field(i))
	}
	read, err := environ(envFor(vars))
	if err != nil {
		t.Fatal(err)
	}
	got := config{}
	if err := parseEnv(&got, read); err != nil {
		t.Fatalf("parse: %v", err)
	}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if reflect.DeepEqual(reflect.ValueOf(got).Field(i).Interface(), reflect.ValueOf(defaults).Field(i).Interface()) {
			t.Errorf("%s (%s) was not read from the environment", f.Name, f.Tag.Get("env"))
		}
	}
}

// otherValue is a value for f's variable that differs from its default.
func otherValue(t *testing.T, f reflect.StructField, def reflect.Value) string {
	t.Helper()
	switch {
	case f.Type == reflect.TypeOf(time.Duration(0)):
		return "7s"
	case f.Type.Kind() == reflect.String:
		return "postgres://other-" + strings.ToLower(f.Name)
	case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
		return "a:1,b:2"
	case f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int32, f.Type.Kind() == reflect.Int64:
		return "7"
	case f.Type.Kind() == reflect.Float64:
		return "7.5"
	case f.Type.Kind() == reflect.Bool:
		if def.Bool() {
			return "false"
		}
		return "true"
	}
	t.Fatalf("field %s: no test value for type %s", f.Name, f.Type)
	return ""
}

// TestConfigReadsEveryDocumentedVariable checks that every variable of the
// README's configuration table is read by config, and that every variable
// config reads is documented there.
func TestConfigReadsEveryDocumentedVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	if len(documented) == 0 {
		t.Fatal("no variables found in the README's configuration table")
	}
	vars := map[string]string{}
	for k := range documented {
		vars[k] = "x"
	}
	read, err := environ(envFor(vars))
	if err != nil {
		t.Fatal(err)
	}
	for k := range documented {
		if _, ok := read[k]; !ok {
			t.Errorf("README documents %s but config does not read it", k)
		}
	}
	keys, err := configKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !documented[k] {
			t.Errorf("config reads %s but the README's configuration table does not document it", k)
		}
	}
}
