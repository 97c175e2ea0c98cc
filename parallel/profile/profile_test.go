package profile

import (
	"path/filepath"
	"testing"
)

func TestPaths(t *testing.T) {
	t.Setenv(EnvDir, "/base")
	p, err := Find("")
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		p.ClientFile(""):      "/base/profile_default/security/ipcontroller-client.json",
		p.EngineFile("abc"):   "/base/profile_default/security/ipcontroller-abc-engine.json",
		p.ClusterFile("abc"):  "/base/profile_default/pid/cluster-abc.json",
		filepath.Clean(p.Dir): "/base/profile_default",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if _, err := Find("../x"); err == nil {
		t.Error("profile name with a slash accepted")
	}
	if err := ValidClusterID("a/b"); err == nil {
		t.Error("cluster id with a slash accepted")
	}
}
